// The frame inspector: names every field, truncates keys, and turns malformed input into its code.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toHex } from '../../../protocol/bytes.js';
import { encodeClientFrame, encodeRelayFrame } from '../../../protocol/wire/frames.js';
import { inspectFrame } from '../../../protocol/wire/inspect.js';
import { clientFrames, records, relayFrames, room, withByte, withTrailing } from './fixtures.js';

test('inspect: an auth frame shows every field with keys cut to 8 bytes', async () => {
  const r = await room();
  const text = inspectFrame(encodeClientFrame(clientFrames(r)[0]!), 'client');
  const [heading, ...fields] = text.split('\n');
  assert.is(heading, 'client frame auth (0x41), 119 bytes');
  assert.equal(fields.map((l) => l.trim().split(':')[0]), ['rid', 'roomId', 'role', 'publicKey', 'signature']);
  assert.ok(text.includes(`  publicKey: ${toHex(r.owner.sign.publicKey.subarray(0, 8))}… (32 B)`), text);
  assert.ok(text.includes('  role: member'), text);
  assert.not.ok(text.includes(toHex(r.owner.sign.publicKey)), 'full key never printed');
});

test('inspect: nested records are titled and indented', async () => {
  const r = await room();
  const text = inspectFrame(encodeClientFrame({ type: 'appendEvent', rid: 3, event: r.add, rotation: r.rotation, welcome: r.welcome }), 'client');
  assert.ok(text.startsWith('client frame appendEvent (0x48)'), text);
  assert.match(text, /\n {2}event: record memberEvent \(0x10\), 258 bytes\n/);
  assert.match(text, /\n {4}kind: add\n/);
  assert.match(text, /\n {2}rotation: record rotation \(0x15\), \d+ bytes\n/);
  assert.match(text, /\n {4}entries: 2 items\n/);
  assert.match(text, /\n {2}welcome: record welcome \(0x13\), \d+ bytes\n/);
  const none = inspectFrame(encodeClientFrame({ type: 'appendEvent', rid: 3, event: r.add, rotation: undefined, welcome: undefined }), 'client');
  assert.ok(none.includes('\n  rotation: none'), none);
  assert.ok(none.includes('\n  welcome: none'), none);
});

test('inspect: every frame and record prints without error', async () => {
  const r = await room();
  for (const frame of clientFrames(r)) {
    const text = inspectFrame(encodeClientFrame(frame), 'client');
    assert.ok(text.startsWith(`client frame ${frame.type} `), text);
  }
  for (const frame of relayFrames(r)) {
    const text = inspectFrame(encodeRelayFrame(frame), 'relay');
    assert.ok(text.startsWith(`relay frame ${frame.type} `), text);
  }
  for (const { name, bytes } of records(r)) {
    const text = inspectFrame(bytes, 'relay');
    assert.ok(text.startsWith('record '), `${name}: ${text}`);
    assert.not.ok(text.includes('malformed'), name);
  }
});

test('inspect: error frames name their code', () => {
  const text = inspectFrame(encodeRelayFrame({ type: 'error', rid: 5, code: 504, text: 'used' }), 'relay');
  assert.ok(text.includes('code: 504 INVITE_USED'), text);
  assert.ok(text.includes('text: "used"'), text);
});

test('inspect: malformed input returns its error code and never throws', async () => {
  const r = await room();
  const auth = encodeClientFrame(clientFrames(r)[0]!);
  assert.match(inspectFrame(auth.subarray(0, 10), 'client'), /^malformed client frame, 10 bytes: TRUNCATED \(102\)/);
  assert.match(inspectFrame(withTrailing(auth), 'client'), /TRAILING_BYTES \(103\)/);
  assert.match(inspectFrame(withByte(auth, 0, 7), 'client'), /BAD_VERSION \(100\)/);
  assert.match(inspectFrame(auth, 'relay'), /^malformed relay frame, 119 bytes: UNKNOWN_TYPE \(101\)/);
  assert.match(inspectFrame(new Uint8Array(0), 'relay'), /TRUNCATED/);
  for (let n = 0; n < r.message.bytes.length; n += 7) assert.type(inspectFrame(r.message.bytes.subarray(0, n), 'client'), 'string');
  for (let i = 0; i < 200; i++) {
    const junk = new Uint8Array(i % 40).map(() => Math.floor(Math.random() * 256));
    assert.type(inspectFrame(junk, i % 2 === 0 ? 'client' : 'relay'), 'string');
  }
});

test.run();
