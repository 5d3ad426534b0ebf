// What the abuse tests share: a relay in this process on a private data dir, and a well-behaved
// room (an owner and a member chatting) whose traffic must keep flowing while others misbehave.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientOptions } from 'ws';
import { bytesEqual } from '../../protocol/bytes.js';
import { resolveConfig, type RelayConfig } from '../../relay/config.js';
import { startRelay, type RelayDeps, type RunningRelay } from '../../relay/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { admit, createRoom, expectOk, identity, type Identity, type RoomModel } from '../relay/fixtures.js';

export interface TestRelay {
  readonly relay: RunningRelay;
  readonly wsUrl: string;
  readonly httpUrl: string;
  /** The separate /metrics listener's base URL. */
  readonly metricsUrl: string;
  close(): Promise<void>;
}

export async function startTestRelay(overrides: Partial<RelayConfig> = {}, deps: RelayDeps = {}): Promise<TestRelay> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-adversarial-'));
  const relay = await startRelay(resolveConfig({ port: 0, host: '127.0.0.1', metricsPort: 0, dataDir, logLevel: 'silent', roomsPerAddressPerHour: 1_000_000, ...overrides }), deps);
  return {
    relay,
    wsUrl: `ws://127.0.0.1:${relay.port}/ws`,
    httpUrl: `http://127.0.0.1:${relay.port}`,
    metricsUrl: `http://127.0.0.1:${relay.metricsPort}`,
    async close() {
      await relay.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

interface Member {
  readonly client: RawClient;
  readonly who: Identity;
  counter: number;
}

/** An owner and a member in one room, each on its own connection, taking turns to send. */
export class Chat {
  readonly #room: RoomModel;
  readonly #owner: Member;
  readonly #member: Member;
  /** Messages acknowledged and delivered so far. */
  delivered = 0;

  private constructor(room: RoomModel, owner: Member, member: Member) {
    this.#room = room;
    this.#owner = owner;
    this.#member = member;
  }

  /** `options` applies to both connections, e.g. a localAddress other than the abusers'. */
  static async open(wsUrl: string, relayPublicKey: Uint8Array, options: ClientOptions = {}): Promise<Chat> {
    const owner: Member = { client: await RawClient.connect(wsUrl, relayPublicKey, options), who: await identity(), counter: 0 };
    const member: Member = { client: await RawClient.connect(wsUrl, relayPublicKey, options), who: await identity(), counter: 0 };
    const room = await createRoom(owner.client, owner.who);
    await admit(room, owner.client, owner.who, member.client, member.who);
    return new Chat(room, owner, member);
  }

  /** One message each way: each must be acknowledged with a seq and delivered with identical bytes. */
  async exchange(timeoutMs = 5000): Promise<void> {
    await this.#say(this.#owner, this.#member, timeoutMs);
    await this.#say(this.#member, this.#owner, timeoutMs);
  }

  close(): void {
    this.#owner.client.ws.terminate();
    this.#member.client.ws.terminate();
  }

  async #say(from: Member, to: Member, timeoutMs: number): Promise<void> {
    const message = await this.#room.message(from.who, ++from.counter);
    const ack = expectOk(await from.client.request({ type: 'send', rid: from.client.nextRid(), message }, timeoutMs), 'chat send');
    const deliver = await to.client.waitFor((f) => f.type === 'deliver' && f.seq === ack.value, timeoutMs);
    if (deliver.type !== 'deliver' || !bytesEqual(deliver.message.bytes, message.bytes)) throw new Error('chat: delivered bytes differ');
    this.delivered++;
  }
}

/** A well-behaved client's pace: well under the default 50 requests per second per connection. */
const CHAT_PAUSE_MS = 50;

/**
 * Keeps `chat` exchanging messages until `stop` settles; rejects on the first failure of either,
 * but only once `stop` has settled, so no abuse is left running behind a failed test.
 */
export async function chatDuring(chat: Chat, stop: Promise<unknown>): Promise<number> {
  let done = false;
  const settled = stop.then(() => undefined, () => undefined).finally(() => {
    done = true;
  });
  let rounds = 0;
  try {
    while (!done) {
      await chat.exchange();
      rounds++;
      await sleep(CHAT_PAUSE_MS);
    }
  } catch (error) {
    await settled;
    throw error;
  }
  await stop;
  return rounds;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The relay's metric value (first sample matching `line`'s prefix), read from /metrics. */
export async function metric(metricsUrl: string, prefix: string): Promise<number> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${prefix} `));
  return line === undefined ? 0 : Number(line.slice(prefix.length + 1));
}
