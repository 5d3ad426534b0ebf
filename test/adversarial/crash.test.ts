// Crash consistency: the relay process, under load from several senders in one room, is killed
// with SIGKILL at random moments and restarted on the same data directory. While it is down the
// database must pass `PRAGMA integrity_check` and hold every acknowledged message byte for byte at its
// acknowledged seq; after the restart each sender resends what was not acknowledged (same bytes), the
// relay's idempotent append answers with the stored seq where the message had landed, and no
// message is ever stored twice. SOTTO_LONG=1 runs 100 rounds instead of 5.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { bytesEqual, toHex } from '../../protocol/bytes.js';
import type { MessageRecord } from '../../protocol/wire/message.js';
import type { RelayFrame } from '../../protocol/wire/frames.js';
import { RawClient } from '../helpers/raw-client.js';
import { startRelayProcess, type RelayProcess } from '../helpers/relay-process.js';
import { admit, authFrame, createRoom, expectOk, identity, type Identity, type RoomModel } from '../relay/fixtures.js';

const ROUNDS = process.env['SOTTO_LONG'] === '1' ? 100 : 5;
const SENDERS = 3;
/** Requests each sender keeps in flight, so a kill always finds some unacknowledged. */
const WINDOW = 8;
const DATABASE_FILE = 'relay.sqlite';

interface Sender {
  readonly who: Identity;
  counter: number;
  /** Sent, not yet acknowledged: resent after every restart. */
  readonly unacked: Map<number, MessageRecord>;
  /** counter → the seq the relay acknowledged and the bytes it acknowledged. */
  readonly acked: Map<number, { seq: number; bytes: Uint8Array }>;
  client: RawClient | undefined;
}

function wsUrl(relay: RelayProcess): string {
  return `ws://127.0.0.1:${relay.port}/ws`;
}

/** The answer to `message`, or undefined if the connection died first. */
async function send(client: RawClient, message: MessageRecord): Promise<RelayFrame | undefined> {
  const rid = client.nextRid();
  const answer = client.waitFor((f) => 'rid' in f && f.rid === rid);
  client.send({ type: 'send', rid, message });
  const result = await Promise.race([answer, client.closed.then(() => undefined)]);
  answer.catch(() => undefined);
  return result;
}

function record(sender: Sender, message: MessageRecord, answer: RelayFrame | undefined): void {
  if (answer === undefined) return;
  const ok = expectOk(answer, `send ${message.counter}`);
  const earlier = sender.acked.get(message.counter);
  if (earlier !== undefined) assert.is(ok.value, earlier.seq, 'a resend is answered with the seq first acknowledged');
  sender.acked.set(message.counter, { seq: ok.value, bytes: message.bytes });
  sender.unacked.delete(message.counter);
}

async function connect(relay: RelayProcess, room: RoomModel, sender: Sender): Promise<void> {
  const client = await RawClient.connect(wsUrl(relay), relay.publicKey);
  expectOk(await client.request(await authFrame(client, room.roomId, 'member', sender.who)), 'auth');
  sender.client = client;
  // What the last incarnation never acknowledged, in counter order, with the very same bytes.
  for (const message of [...sender.unacked.values()].sort((a, b) => a.counter - b.counter)) record(sender, message, await send(client, message));
}

/** Sends new messages, WINDOW at a time, until the connection dies. */
async function load(room: RoomModel, sender: Sender): Promise<void> {
  const client = sender.client!;
  while (client.ws.readyState === client.ws.OPEN) {
    const batch = await Promise.all(Array.from({ length: WINDOW }, () => room.message(sender.who, ++sender.counter)));
    for (const message of batch) sender.unacked.set(message.counter, message);
    const answers = await Promise.all(batch.map((message) => send(client, message)));
    batch.forEach((message, i) => record(sender, message, answers[i]));
  }
}

/** With the relay down: the file is sound, holds every acknowledged message, and nothing twice. */
function checkDatabase(dataDir: string, room: RoomModel, senders: readonly Sender[]): number {
  const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true, fileMustExist: true });
  try {
    assert.is((db.pragma('integrity_check', { simple: true }) as string), 'ok');
    const rows = db.prepare('SELECT seq, sender, counter, bytes FROM messages WHERE room_id = ? ORDER BY seq').all(room.roomId) as
      { seq: number; sender: Uint8Array; counter: number; bytes: Uint8Array }[];
    const bySeq = new Map(rows.map((row) => [row.seq, row]));
    const keys = new Set(rows.map((row) => `${toHex(row.sender)}:${row.counter}`));
    assert.is(keys.size, rows.length, 'no (sender, counter) stored twice');
    assert.equal(rows.map((row) => row.seq), rows.map((_, i) => i + 1), 'seqs are gapless from 1');
    for (const sender of senders) {
      for (const [counter, { seq, bytes }] of sender.acked) {
        const row = bySeq.get(seq);
        assert.ok(row !== undefined, `acknowledged seq ${seq} is stored`);
        assert.ok(bytesEqual(row.sender, sender.who.sign) && row.counter === counter && bytesEqual(row.bytes, bytes), `seq ${seq} holds the acknowledged bytes`);
      }
    }
    return rows.length;
  } finally {
    db.close();
  }
}

test('SIGKILL under load, restarted on the same data, round after round: integrity ok, every acknowledged message intact, resends stored once', async () => {
  const relay = await startRelayProcess();
  try {
    const owner = await identity();
    const ownerClient = await RawClient.connect(wsUrl(relay), relay.publicKey);
    const room = await createRoom(ownerClient, owner);
    const senders: Sender[] = [{ who: owner, counter: 0, unacked: new Map(), acked: new Map(), client: ownerClient }];
    for (let i = 1; i < SENDERS; i++) {
      const who = await identity();
      const client = await RawClient.connect(wsUrl(relay), relay.publicKey);
      await admit(room, ownerClient, owner, client, who);
      senders.push({ who, counter: 0, unacked: new Map(), acked: new Map(), client });
    }
    let killedWithUnacked = 0;
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) {
        await relay.restart();
        for (const sender of senders) await connect(relay, room, sender);
      }
      const loads = senders.map((sender) => load(room, sender));
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 400));
      await relay.kill('SIGKILL');
      await Promise.all(loads);
      if (senders.some((s) => s.unacked.size > 0)) killedWithUnacked++;
      const stored = checkDatabase(relay.dataDir, room, senders);
      const acked = senders.reduce((n, s) => n + s.acked.size, 0);
      assert.ok(stored >= acked && stored <= acked + senders.reduce((n, s) => n + s.unacked.size, 0), `round ${round}: ${stored} stored, ${acked} acknowledged`);
    }
    assert.ok(killedWithUnacked > 0, 'some kill caught messages in flight');
    // Last restart: everything outstanding is resent, and then the log is exactly what was acknowledged.
    await relay.restart();
    for (const sender of senders) await connect(relay, room, sender);
    assert.ok(senders.every((s) => s.unacked.size === 0));
    for (const sender of senders) sender.client!.ws.terminate();
    await relay.kill('SIGKILL');
    const total = senders.reduce((n, s) => n + s.acked.size, 0);
    assert.is(checkDatabase(relay.dataDir, room, senders), total);
  } finally {
    await relay.dispose();
  }
});

test.run();
