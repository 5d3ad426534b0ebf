// The stage for malicious-relay tests: the real relay in this process, and real SottoClients that
// each reach it through a Tap (tap.ts), so any test can make the relay lie to any one client.
// Clients keep their snapshots in memory, so a test can also play a member who colludes with the
// relay by reading that member's keys (decodeSnapshot), as a malicious member has its own keys.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SottoClient } from '../../../protocol/client/client.js';
import type { ClientEvent } from '../../../protocol/client/client-events.js';
import type { RoomState } from '../../../protocol/client/room-state.js';
import { decodeSnapshot } from '../../../protocol/client/snapshot.js';
import { detectSuite } from '../../../protocol/crypto/select-suite.js';
import type { Suite } from '../../../protocol/crypto/suite.js';
import type { ErrorName } from '../../../protocol/errors.js';
import { resolveConfig, type RelayConfig } from '../../../relay/config.js';
import { startRelay, type RunningRelay } from '../../../relay/server.js';
import { waitUntil } from '../../helpers/clients.js';
import { MemoryPersistence } from '../../helpers/memory-persistence.js';
import { Tap } from './tap.js';

const WAIT_MS = 10_000;

/** One person: a real client, the relay's tap on it, and every event it emitted. */
export class Person {
  readonly name: string;
  readonly client: SottoClient;
  readonly tap: Tap;
  readonly events: ClientEvent[];
  readonly #persistence: MemoryPersistence;
  readonly #suite: Suite;

  constructor(name: string, client: SottoClient, tap: Tap, events: ClientEvent[], persistence: MemoryPersistence, suite: Suite) {
    this.name = name;
    this.client = client;
    this.tap = tap;
    this.events = events;
    this.#persistence = persistence;
    this.#suite = suite;
  }

  warnings(error?: ErrorName): Extract<ClientEvent, { type: 'warning' }>[] {
    return this.events.filter((e): e is Extract<ClientEvent, { type: 'warning' }> => e.type === 'warning' && (error === undefined || e.error === error));
  }

  texts(roomId: string): string[] {
    return this.client.messages(roomId).map((m) => m.text);
  }

  /** The bytes of this person's last saved snapshot (decrypted): what a thief of the keystore reads. */
  savedSnapshot(): string {
    return new TextDecoder().decode(this.#persistence.snapshot);
  }

  /** This person's whole saved keystore, as a thief copying it would have it. */
  get saved(): Uint8Array | undefined {
    return this.#persistence.snapshot;
  }

  /** This person's saved state for a room, keys included: what a colluding member could use. */
  async secrets(roomId: string): Promise<RoomState> {
    const { rooms } = await decodeSnapshot(this.#suite, this.#persistence.snapshot!);
    return rooms.find((room) => room.hex === roomId)!;
  }
}

export class HostileRelay {
  readonly #relay: RunningRelay;
  readonly #dataDir: string;
  readonly #suite: Suite;
  readonly #people: Person[] = [];

  private constructor(relay: RunningRelay, dataDir: string, suite: Suite) {
    this.#relay = relay;
    this.#dataDir = dataDir;
    this.#suite = suite;
  }

  /** `options` override the relay's configuration, e.g. a limit a test goes beyond on purpose. */
  static async start(options: Partial<RelayConfig> = {}): Promise<HostileRelay> {
    const dataDir = mkdtempSync(join(tmpdir(), 'sotto-malicious-relay-'));
    const relay = await startRelay(resolveConfig({
      port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', rateLimitPerSecond: 100_000, rateLimitBurst: 100_000,
      roomsPerAddressPerHour: 1_000_000, ...options,
    }));
    return new HostileRelay(relay, dataDir, await detectSuite());
  }

  get suite(): Suite {
    return this.#suite;
  }

  /** A new person, or one running on a copy of another's keystore (`saved`, a thief's copy). */
  async person(name: string, saved?: Uint8Array): Promise<Person> {
    const tap = new Tap(`ws://127.0.0.1:${this.#relay.port}/ws`, this.#relay.publicKey);
    const events: ClientEvent[] = [];
    const persistence = MemoryPersistence.holding(saved);
    const client = await SottoClient.open({
      suite: this.#suite, primitives: tap.primitives, connect: tap.connect, persistence,
      onEvent: (event) => events.push(event), maxBackoffMs: 200,
    });
    await client.whenOnline(WAIT_MS);
    const person = new Person(name, client, tap, events, persistence, this.#suite);
    this.#people.push(person);
    return person;
  }

  /** An owner's room with `others` admitted through the real join flow, names announced. */
  /** New people by name, the first owning a new room the others have joined. */
  async gather(...names: string[]): Promise<{ people: Person[]; roomId: string }> {
    const people = await Promise.all(names.map((name) => this.person(name)));
    const roomId = await this.room(people[0]!, ...people.slice(1));
    return { people, roomId };
  }

  async room(owner: Person, ...others: Person[]): Promise<string> {
    const roomId = await owner.client.createRoom(`${owner.name}'s room`, owner.name);
    for (const other of others) await this.admit(owner, other, roomId);
    return roomId;
  }

  async admit(owner: Person, joiner: Person, roomId: string): Promise<void> {
    const { link } = await owner.client.createInvite(roomId);
    await joiner.client.join(link, joiner.name);
    await waitUntil(() => joiner.client.rooms().find((r) => r.roomId === roomId)?.status === 'member', `${joiner.name} admitted`, WAIT_MS);
    const sign = joiner.client.identity(roomId);
    await waitUntil(() => owner.client.members(roomId).some((m) => m.sign === sign && m.name === joiner.name), `${joiner.name}'s profile`, WAIT_MS);
  }

  async close(): Promise<void> {
    await Promise.all(this.#people.map((p) => p.client.close()));
    await this.#relay.close();
    rmSync(this.#dataDir, { recursive: true, force: true });
  }
}

/** Polls until `condition` holds (fails after a deadline short enough to keep the suite fast). */
export function until(condition: () => boolean, what: string): Promise<void> {
  return waitUntil(condition, what, WAIT_MS);
}

/** Lets in-flight frames land: for asserting that something did NOT happen. */
export function settle(ms = 300): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The epoch `person`'s client is at in `roomId`. */
export function epochOf(person: Person, roomId: string): number {
  return person.client.rooms().find((r) => r.roomId === roomId)!.epoch;
}

/** `author` sends `marker`; resolves once every one of `readers` has read it, and so everything sent before it. */
export async function readPast(author: Person, readers: readonly Person[], roomId: string, marker: string): Promise<void> {
  await author.client.send(roomId, marker);
  for (const reader of readers) await until(() => reader.texts(roomId).includes(marker), `${reader.name} reads ${marker}`);
}
