// Browser-client pieces that need no browser: the QR matrix for invite links, the hash router,
// which join failures are final, and the device-link pieces (labels, failures, one link at a time).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { qrMatrix, type QrMatrix } from '../../web/ui/qr.js';
import { hashOf, parseHash } from '../../web/ui/router.js';
import { joinFailure } from '../../web/worker/join-failure.js';
import { linkFailureText } from '../../web/worker/link-events.js';
import { LinkGuard } from '../../web/worker/link-guard.js';
import { deviceName, personLabels } from '../../web/worker/person-labels.js';
import type { MemberView } from '../../protocol/client/client-events.js';

const LINK = 'https://sotto.example/#/join/AQ' + 'x'.repeat(106);

/** BCH(15,5) format codeword for (error-correction bits, mask), as ISO/IEC 18004 §7.9 defines it. */
function formatCodeword(ecBits: number, mask: number): number {
  const data = (ecBits << 3) | mask;
  let rem = data << 10;
  for (let bit = 14; bit >= 10; bit--) if ((rem >> bit) & 1) rem ^= 0b10100110111 << (bit - 10);
  return ((data << 10) | rem) ^ 0b101010000010010;
}

function bits(m: QrMatrix, cells: [number, number][]): number {
  return cells.reduce((acc, [r, c]) => (acc << 1) | (m.isDark(r, c) ? 1 : 0), 0);
}

function finderAt(m: QrMatrix, top: number, left: number): boolean {
  for (let r = 0; r < 7; r++) {
    for (let c = 0; c < 7; c++) {
      const ring = Math.max(Math.abs(r - 3), Math.abs(c - 3));
      if (m.isDark(top + r, left + c) !== (ring !== 2)) return false;
    }
  }
  return true;
}

test('QR: an invite link encodes as a version ≤ 10 symbol with finder and timing patterns', () => {
  const m = qrMatrix(LINK);
  const version = (m.size - 17) / 4;
  assert.ok(Number.isInteger(version) && version >= 1 && version <= 10, `version ${version}`);
  assert.ok(finderAt(m, 0, 0) && finderAt(m, 0, m.size - 7) && finderAt(m, m.size - 7, 0), 'finder patterns');
  for (let i = 8; i < m.size - 8; i++) {
    assert.is(m.isDark(6, i), i % 2 === 0, `horizontal timing at ${i}`);
    assert.is(m.isDark(i, 6), i % 2 === 0, `vertical timing at ${i}`);
  }
  assert.ok(m.isDark(m.size - 8, 8), 'dark module');
});

test('QR: both copies of the format information are a valid codeword for error correction M', () => {
  const m = qrMatrix(LINK);
  const n = m.size;
  const first: [number, number][] = [
    [8, 0], [8, 1], [8, 2], [8, 3], [8, 4], [8, 5], [8, 7], [8, 8], [7, 8], [5, 8], [4, 8], [3, 8], [2, 8], [1, 8], [0, 8],
  ];
  const second: [number, number][] = [
    [n - 1, 8], [n - 2, 8], [n - 3, 8], [n - 4, 8], [n - 5, 8], [n - 6, 8], [n - 7, 8],
    [8, n - 8], [8, n - 7], [8, n - 6], [8, n - 5], [8, n - 4], [8, n - 3], [8, n - 2], [8, n - 1],
  ];
  const a = bits(m, first);
  const b = bits(m, second);
  assert.is(a, b, 'the two copies agree');
  const valid = Array.from({ length: 8 }, (_, mask) => formatCodeword(0b00, mask));
  assert.ok(valid.includes(a), `format ${a.toString(2)} is a level-M codeword`);
});

test('QR: longer text needs a larger symbol; the same text always gives the same matrix', () => {
  assert.ok(qrMatrix('x'.repeat(20)).size < qrMatrix(LINK).size);
  const one = qrMatrix(LINK);
  const two = qrMatrix(LINK);
  for (let r = 0; r < one.size; r++) for (let c = 0; c < one.size; c++) assert.is(one.isDark(r, c), two.isDark(r, c));
});

test('router: routes parse strictly and unknown paths fall back to home', () => {
  const id = 'ab'.repeat(16);
  assert.equal(parseHash(`#/room/${id}`), { name: 'room', roomId: id });
  assert.equal(parseHash('#/room/ABCD'), { name: 'home' });
  assert.equal(parseHash('#/room/' + 'g'.repeat(32)), { name: 'home' });
  assert.equal(parseHash('#/join/AQab_-9'), { name: 'join', payload: 'AQab_-9' });
  assert.equal(parseHash('#/join/<script>'), { name: 'join', payload: undefined });
  assert.equal(parseHash('#/join'), { name: 'join', payload: undefined });
  assert.equal(parseHash('#/settings'), { name: 'settings' });
  assert.equal(parseHash(''), { name: 'home' });
  assert.equal(parseHash('#javascript:alert(1)'), { name: 'home' });
  // The join route never writes a payload back into the address bar.
  assert.is(hashOf({ name: 'join', payload: 'secret' }), '#/join');
});

test('join failures: what no retry can fix is explained; what may pass is left to the retry', () => {
  assert.match(joinFailure('INVITE_USED')!, /already used/);
  for (const code of ['INVITE_EXPIRED', 'INVITE_NOT_FOUND', 'INVITE_LOCKED', 'BAD_CHAIN', 'BAD_INVITE_PROOF', 'JOIN_NOT_FOUND', 'TAMPERED']) {
    assert.ok(joinFailure(code) !== undefined, code);
  }
  for (const code of ['CLOSED', 'TIMEOUT', 'RATE_LIMITED', 'INTERNAL', 'UNAVAILABLE', 'STORE_UNAVAILABLE']) assert.is(joinFailure(code), undefined, code);
});

test('router: a device link opens the link-device page with its payload; the bare pages parse too', () => {
  assert.equal(parseHash('#/link'), { name: 'link' });
  assert.equal(parseHash('#/link-device'), { name: 'link-device', payload: undefined });
  assert.equal(parseHash('#/link/AgAbc_-9'), { name: 'link-device', payload: 'AgAbc_-9' });
  assert.equal(parseHash('#/link/bad payload'), { name: 'home' });
  assert.is(hashOf({ name: 'link-device', payload: 'AgAbc' }), '#/link-device', 'the payload never goes back into the address bar');
  assert.is(hashOf({ name: 'link' }), '#/link');
});

function member(sign: string, name: string | undefined, person: number, fingerprint: string): MemberView {
  return { sign, name, label: name ?? '', role: 'member', fingerprint, verified: false, safetyNumber: '', person, ownPerson: false };
}

test('person labels: a person’s devices share one label; two people with look-alike names are still told apart', () => {
  const labels = personLabels([
    member('a1', 'Alice', 3, 'aaaa 1111 2222 3333 4444'),
    member('a2', 'Alice', 3, 'bbbb 5555 6666 7777 8888'),
    member('b1', 'Bob', 5, 'cccc 1111 2222 3333 4444'),
    member('b2', 'B0b', 9, 'dddd 1111 2222 3333 4444'),
  ]);
  assert.equal(labels.get('a1'), { label: 'Alice', devices: 2 });
  assert.equal(labels.get('a2'), { label: 'Alice', devices: 2 });
  assert.is(labels.get('b1')?.label, 'Bob · cccc');
  assert.is(labels.get('b2')?.label, 'B0b · dddd');
  assert.is(deviceName('aaaa 1111 2222 3333 4444'), 'device aaaa 1111');
});

test('link failures are said in words: a cancel, a tampered link, a pasted text that is no link', () => {
  assert.match(linkFailureText('LINK_CANCELLED'), /cancelled on one of the two devices/);
  assert.match(linkFailureText('BAD_LINK'), /did not come from your other device/);
  assert.match(linkFailureText('BAD_INVITE_LINK'), /not a device link/);
  assert.is(linkFailureText('TIMEOUT'), 'request timed out', 'others: the error’s own message');
});

test('one device link at a time: a second start is refused while the first goes on, until it is done, failed or cancelled', async () => {
  // Before the guard, the worker's second linkAsNew/linkNewDevice replaced the client's first link unsaid.
  const guard = new LinkGuard();
  const refuse = (): Error => new Error('LINK_OPEN');
  let started = 0;
  const begin = async (): Promise<string> => `link ${++started}`;
  const failure = (start: () => Promise<unknown>): Promise<string> => start().then(() => 'started', (error: unknown) => (error as Error).message);
  assert.is(await guard.start(begin, refuse), 'link 1');
  for (const state of ['offer', 'adding', 'history'] as const) {
    guard.seen(state);
    assert.is(await failure(() => guard.start(begin, refuse)), 'LINK_OPEN', `refused while ${state}`);
  }
  assert.is(started, 1, 'the refused starts started nothing');
  for (const end of ['done', 'failed'] as const) {
    guard.seen(end);
    assert.is(await guard.start(begin, refuse), `link ${started}`, `free again once ${end}`);
  }
  guard.cancelled();
  assert.not.ok(guard.open, 'a cancel frees it, also where the client had nothing left to end');
  // Two starts in one tick: the second is refused before the first has its answer.
  const [first, second] = await Promise.allSettled([guard.start(begin, refuse), guard.start(begin, refuse)]);
  assert.is(first.status, 'fulfilled');
  assert.is(second.status, 'rejected');
  guard.cancelled();
  // A start that fails (no relay, a pasted text that is no link) leaves nothing open.
  assert.is(await failure(() => guard.start(async () => {
    throw new Error('BAD_INVITE_LINK');
  }, refuse)), 'BAD_INVITE_LINK');
  assert.not.ok(guard.open);
});

test.run();
