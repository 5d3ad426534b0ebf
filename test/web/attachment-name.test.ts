// The name a chosen file is sent under (web/ui/attachments.ts): whatever the browser hands over
// becomes a name the reference accepts (V-172), keeping its extension.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sendableName } from '../../web/ui/attachments.js';
import { checkAttachmentMeta } from '../../protocol/wire/attachment-ref.js';

test('a chosen file name always becomes one a reference accepts, its extension kept', () => {
  assert.is(sendableName('report.pdf'), 'report.pdf');
  assert.is(sendableName('a/b\\\\c\u0001.txt'), 'a_b__c_.txt');
  assert.is(sendableName('   '), 'file');
  const long = sendableName(`${'é'.repeat(300)}.jpeg`);
  assert.ok(long.endsWith('….jpeg'));
  assert.ok(new TextEncoder().encode(long).length <= 255);
  for (const name of ['report.pdf', 'x'.repeat(1000), `${'😀'.repeat(200)}.png`, '\u0000', '../../etc/passwd']) {
    checkAttachmentMeta(sendableName(name), 'application/octet-stream');
  }
});

test.run();
