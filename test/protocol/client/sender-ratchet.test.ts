// The sender chains of an epoch (protocol/client/sender-ratchet.ts, docs/protocol.md §9): what an
// epoch key turns into, how a chain yields each key once, and the limits on skipping.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesEqual, toHex } from '../../../protocol/bytes.js';
import { nobleSuite } from '../../../protocol/crypto/noble-suite.js';
import { randomBytes } from '../../../protocol/crypto/random.js';
import { Secret } from '../../../protocol/crypto/secret.js';
import { isSottoError, type ErrorName } from '../../../protocol/errors.js';
import { genesisEvent, nextEvent } from '../../../protocol/client/events.js';
import { epochFromKey } from '../../../protocol/client/epoch-keys.js';
import { roomCode } from '../../../protocol/client/fingerprint.js';
import { generateMemberKeys } from '../../../protocol/client/member-keys.js';
import { chainStart, retireChain, takeMessageKey, type RatchetLimits, type SenderChain } from '../../../protocol/client/sender-ratchet.js';
import { applyEvent } from '../../../protocol/membership/roster.js';
import { messageKeyAt } from '../../helpers/keystore-reader.js';

const suite = nobleSuite;

function freshChain(): { chain: SenderChain; epochKey: Uint8Array; roomId: Uint8Array; sender: Uint8Array } {
  const [epochKey, roomId, sender] = [randomBytes(32), randomBytes(16), randomBytes(32)];
  return { chain: { next: 0, key: new Secret(chainStart(epochKey, roomId, 4, sender)), skipped: new Map() }, epochKey, roomId, sender };
}

function expectError(run: () => unknown, name: ErrorName): void {
  try {
    run();
  } catch (error) {
    assert.ok(isSottoError(error, name), `expected ${name}, got ${String(error)}`);
    return;
  }
  assert.unreachable(`expected ${name}`);
}

test('V-78: an epoch key yields a chain for each member of its roster and is wiped; a sender outside it has none', async () => {
  const [alice, bob, carol] = [await generateMemberKeys(suite), await generateMemberKeys(suite), await generateMemberKeys(suite)];
  const roomId = randomBytes(16);
  const genesis = await genesisEvent(alice.sign, alice.enc.publicKey, roomId, undefined);
  const first = await applyEvent(suite, undefined, genesis);
  const add = await nextEvent(alice.sign, first, {
    kind: 'add', subjectSign: bob.sign.publicKey, subjectEnc: bob.enc.publicKey, role: 'member', invitePublicKey: randomBytes(32),
  });
  const roster = await applyEvent(suite, first, add);
  const epochKey = randomBytes(32);
  const kept = epochKey.slice();
  const info = epochFromKey(epochKey, { roomId, epoch: 1, roster, startedAt: 0, rotationHash: undefined });
  assert.ok(epochKey.every((b) => b === 0), 'the epoch key is wiped');
  assert.equal([...info.chains!.keys()].sort(), [toHex(alice.sign.publicKey), toHex(bob.sign.publicKey)].sort());
  assert.not.ok(info.chains!.has(toHex(carol.sign.publicKey)));
  assert.is(info.code, roomCode(kept, roster.headHash, 1));
  for (const member of [alice, bob]) {
    const chain = info.chains!.get(toHex(member.sign.publicKey))!;
    assert.is(chain.next, 0);
    assert.ok(bytesEqual(chain.key.expose(), chainStart(kept, roomId, 1, member.sign.publicKey)));
  }
});

test('V-79: each index yields its key once; passed keys wait for late deliveries, bounded, oldest dropped first', () => {
  const { chain, epochKey, roomId, sender } = freshChain();
  const limits: RatchetLimits = { maxSkip: 100, maxSkippedKeys: 3 };
  const first = takeMessageKey(chain, 0, limits);
  assert.ok(bytesEqual(first.messageKey, messageKeyAt(epochKey, roomId, 4, sender, 0)));
  assert.is(first.chain.next, 1);
  assert.is(chain.next, 0, 'the chain given is left as it was');
  retireChain(chain, first.chain);
  assert.ok(chain.key.expose().every((b) => b === 0), 'the replaced chain key is wiped');
  expectError(() => takeMessageKey(first.chain, 0, limits), 'KEY_USED');
  // Jump to 6: 1..5 passed, only the newest three kept.
  const jump = takeMessageKey(first.chain, 6, limits);
  assert.ok(bytesEqual(jump.messageKey, messageKeyAt(epochKey, roomId, 4, sender, 6)));
  assert.equal([...jump.chain.skipped.keys()], [3, 4, 5]);
  expectError(() => takeMessageKey(jump.chain, 2, limits), 'KEY_USED');
  const late = takeMessageKey(jump.chain, 4, limits);
  assert.ok(bytesEqual(late.messageKey, messageKeyAt(epochKey, roomId, 4, sender, 4)));
  assert.equal([...late.chain.skipped.keys()], [3, 5]);
  assert.is(late.chain.next, 7, 'a late key does not move the chain');
  expectError(() => takeMessageKey(late.chain, 4, limits), 'KEY_USED');
  // Another jump keeps the bound across both: 3 and 5 are older than 7..9 and go first.
  const again = takeMessageKey(late.chain, 10, limits);
  assert.equal([...again.chain.skipped.keys()], [7, 8, 9]);
  retireChain(late.chain, again.chain);
  for (const key of late.chain.skipped.values()) assert.ok(key.expose().every((b) => b === 0), 'dropped skipped keys are wiped');
  for (const key of again.chain.skipped.values()) assert.not.ok(key.expose().every((b) => b === 0), 'kept skipped keys stay');
});

test('V-89: an index too far ahead is refused without deriving, and the chain is left as it was', () => {
  const { chain } = freshChain();
  const limits: RatchetLimits = { maxSkip: 10, maxSkippedKeys: 5 };
  const before = chain.key.expose().slice();
  expectError(() => takeMessageKey(chain, 11, limits), 'INDEX_TOO_FAR');
  expectError(() => takeMessageKey(chain, 0xffffffff), 'INDEX_TOO_FAR');
  assert.ok(bytesEqual(chain.key.expose(), before));
  assert.is(takeMessageKey(chain, 10, limits).chain.next, 11);
});

test.run();
