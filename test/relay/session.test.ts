// What a session keeps for as long as its connection lasts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesEqual } from '../../protocol/bytes.js';
import { RawClient } from '../helpers/raw-client.js';
import { startSessionHarness } from '../helpers/session-harness.js';
import { createRoom, identity } from './fixtures.js';

test('a binding holds its own copy of the key it was bound with, not a view into the message the auth came in', async () => {
  const harness = await startSessionHarness();
  try {
    const owner = await identity();
    const client = await RawClient.connect(harness.url, harness.relayPublicKey);
    const room = await createRoom(client, owner);
    const binding = harness.sessions[0]!.binding(room.roomId);
    assert.ok(binding !== undefined, 'the owner is bound');
    assert.ok(bytesEqual(binding.sign, owner.sign), 'bound as the key that signed the auth');
    assert.is(binding.sign.buffer.byteLength, binding.sign.byteLength, 'the key owns its memory: nothing else of the message is kept');
    await client.close();
  } finally {
    await harness.close();
  }
});

test.run();
