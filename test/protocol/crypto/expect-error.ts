// Asserts that a call fails with one specific SottoError, whether it throws or rejects.
import * as assert from 'uvu/assert';
import { isSottoError, type ErrorName } from '../../../protocol/errors.js';

export async function expectSottoError(run: () => unknown, name: ErrorName, label = ''): Promise<void> {
  try {
    await run();
  } catch (error) {
    assert.ok(isSottoError(error, name), `${label}: expected ${name}, got ${String(error)}`);
    return;
  }
  assert.unreachable(`${label}: expected ${name}, but it succeeded`);
}
