// auth binds the session before it reads the work waiting for it, so a join step stored while a
// client authenticates reaches it one way or the other. The store below runs one such step at the
// worst moment: right after auth's first read, before the session is bound.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SigningKey } from '../../protocol/crypto/suite.js';
import type { Store } from '../../relay/store/store.js';
import { RawClient } from '../helpers/raw-client.js';
import { startSessionHarness, type SessionHarness } from '../helpers/session-harness.js';
import { authFrame, createRoom, expectOk, identity, signingKey, type Identity, type RoomModel } from './fixtures.js';

interface Armed {
  /** getJoin calls to let through untouched first. */
  skip?: number;
  step?: () => Promise<void>;
}

/** The store, with `step` run once, after a getJoin has read and before it answers (or fails with the step). */
function stepAfterGetJoin(store: Store, armed: Armed): Store {
  return new Proxy(store, {
    get(target, property) {
      if (property !== 'getJoin') {
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return async (...args: Parameters<Store['getJoin']>) => {
        const found = await target.getJoin(...args);
        if (armed.skip !== undefined && armed.skip-- > 0) return found;
        const step = armed.step;
        armed.step = undefined;
        await step?.();
        return found;
      };
    },
  });
}

interface RequestedJoin {
  readonly harness: SessionHarness;
  readonly owner: Identity;
  readonly joiner: Identity;
  readonly ownerClient: RawClient;
  readonly joinerClient: RawClient;
  readonly room: RoomModel;
  readonly inviteKey: SigningKey;
}

/** A relay of real sessions whose store runs `armed`, with a join requested and not yet answered. */
async function requestedJoin(armed: Armed, run: (join: RequestedJoin) => Promise<void>): Promise<void> {
  const harness = await startSessionHarness({ store: (sqlite) => stepAfterGetJoin(sqlite, armed) });
  try {
    const owner = await identity();
    const joiner = await identity();
    const ownerClient = await RawClient.connect(harness.url, harness.relayPublicKey);
    const joinerClient = await RawClient.connect(harness.url, harness.relayPublicKey);
    const room = await createRoom(ownerClient, owner);
    const inviteKey = await signingKey();
    expectOk(await ownerClient.request({ type: 'registerInvite', rid: ownerClient.nextRid(), invite: await room.invite(owner, inviteKey) }), 'registerInvite');
    const request = await room.joinRequest(inviteKey, joiner);
    expectOk(await joinerClient.request({ type: 'joinRequest', rid: joinerClient.nextRid(), request }), 'joinRequest');
    await ownerClient.waitForType('joinPending');
    await run({ harness, owner, joiner, ownerClient, joinerClient, room, inviteKey });
    await Promise.all([ownerClient.close(), joinerClient.close()]);
  } finally {
    await harness.close();
  }
}

// Protocol 2's add commits with the welcome and promotes the joiner's sessions; a session still
// authenticating is not bound yet, so it misses both the promotion and the push.
test('an add committed while the joiner authenticates: the joiner is bound as a member and gets its welcome', async () => {
  const armed: Armed = {};
  await requestedJoin(armed, async ({ harness, owner, joiner, ownerClient, joinerClient, room, inviteKey }) => {
    const { add, rotation, welcome } = await room.addCommit(owner, joiner, inviteKey.publicKey);
    armed.step = async () => {
      expectOk(await ownerClient.request({ type: 'appendEvent', rid: ownerClient.nextRid(), event: add, rotation, welcome }), 'add');
    };
    expectOk(await joinerClient.request(await authFrame(joinerClient, room.roomId, 'joiner', joiner)), 'joiner auth');
    assert.is(armed.step, undefined, 'the add was committed during the auth');
    const ready = await joinerClient.waitForType('welcomeReady', 3000);
    assert.equal(ready.welcome.bytes, welcome.bytes, 'the welcome the owner stored');
    assert.is(harness.sessions[1]!.binding(room.roomId)?.role, 'member', 'bound as the member it now is');
  });
});

test('an auth refused after its binding was made leaves no binding', async () => {
  const armed: Armed = {};
  await requestedJoin(armed, async ({ harness, joiner, joinerClient, room }) => {
    // The first read (is there a join?) passes; the second (what waits for it?) fails, as a store can.
    armed.skip = 1;
    armed.step = () => Promise.reject(new Error('the store failed'));
    const answer = await joinerClient.request(await authFrame(joinerClient, room.roomId, 'joiner', joiner));
    assert.is(answer.type === 'error' ? answer.text : answer.type, 'INTERNAL', 'refused');
    assert.is(armed.step, undefined, 'refused by the read after the binding was made');
    assert.is(harness.sessions[1]!.binding(room.roomId), undefined, 'and the binding is gone');
  });
});

test.run();
