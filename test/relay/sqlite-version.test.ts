import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkSqliteVersion, hasWalResetBug } from '../../relay/store/sqlite-version.js';

test('versions with the WAL-reset bug are refused', () => {
  for (const v of ['3.7.0', '3.7.17', '3.40.1', '3.44.0', '3.44.5', '3.45.0', '3.50.0', '3.50.6', '3.51.0', '3.51.2']) {
    assert.ok(hasWalResetBug(v), v);
    assert.throws(() => checkSqliteVersion(v), (e: Error) => e.message.includes(`SQLite ${v}`), v);
  }
});

test('fixed releases, backports and pre-WAL versions pass', () => {
  for (const v of ['3.6.23', '3.44.6', '3.44.9', '3.50.7', '3.50.10', '3.51.3', '3.52.0', '3.53.2', '4.0.0']) {
    assert.not.ok(hasWalResetBug(v), v);
    checkSqliteVersion(v);
  }
});

test('an unparseable version is an error, not a pass', () => {
  assert.throws(() => checkSqliteVersion('three'));
});

test.run();
