// Builds the rooms a Sotto fan-out run uses, once per shape, through the relay's own protocol (the
// raw test client and the test record builders: create, invite, join request, welcome, confirm,
// add). The data directory is then copied for every round, so each round starts from the same
// database and no round pays for the setup.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '../protocol/bytes.js';
import { randomBytes } from '../protocol/crypto/random.js';
import { RawClient } from '../test/helpers/raw-client.js';
import { admit, createRoom } from '../test/relay/fixtures.js';
import { startRelayProcess } from './relay-launcher.js';
import { identityFromSeed } from './sotto-identity.js';

export interface Shape {
  readonly rooms: number;
  readonly members: number;
}

export interface SottoRoomPlan {
  readonly roomId: string;
  /** Ed25519 seeds, hex; the first is the owner's. */
  readonly memberSeeds: string[];
  /** The room's epoch once every member is in (each add carries a rotation): what sends start under. */
  readonly epoch: number;
  /** The log a rotation must name (length and head hash, hex), and the members it seals to (hex). */
  readonly logLength: number;
  readonly rosterHash: string;
  readonly members: string[];
}

/** How many rooms are built at once; each is a chain of joins that must go in order. */
const PARALLEL_ROOMS = 8;

async function buildRoom(url: string, relayKey: Uint8Array, members: number): Promise<SottoRoomPlan> {
  const seeds = Array.from({ length: members }, () => randomBytes(32));
  const owner = await identityFromSeed(seeds[0]!);
  const ownerClient = await RawClient.connect(url, relayKey);
  const room = await createRoom(ownerClient, owner);
  for (const seed of seeds.slice(1)) {
    const joinerClient = await RawClient.connect(url, relayKey);
    await admit(room, ownerClient, owner, joinerClient, await identityFromSeed(seed));
    await joinerClient.close();
  }
  await ownerClient.close();
  return {
    roomId: toHex(room.roomId), memberSeeds: seeds.map(toHex), epoch: room.epoch, logLength: room.events.length, rosterHash: toHex(room.head),
    members: room.members().map(toHex),
  };
}

/** Creates `shape` through the relay at `url` (any store: SQLite, or PostgreSQL behind several processes). */
export async function buildRooms(url: string, relayKey: Uint8Array, shape: Shape): Promise<SottoRoomPlan[]> {
  const plans: SottoRoomPlan[] = [];
  for (let first = 0; first < shape.rooms; first += PARALLEL_ROOMS) {
    const count = Math.min(PARALLEL_ROOMS, shape.rooms - first);
    plans.push(...await Promise.all(Array.from({ length: count }, () => buildRoom(url, relayKey, shape.members))));
  }
  return plans;
}

/** Creates `shape` in a fresh relay at `dataDir` and returns the plan (also saved as rooms.json). */
export async function buildSottoRooms(dataDir: string, shape: Shape): Promise<SottoRoomPlan[]> {
  mkdirSync(dataDir, { recursive: true });
  const relay = await startRelayProcess({ dataDir, synchronous: 'NORMAL' });
  try {
    const plans = await buildRooms(`ws://127.0.0.1:${relay.port}/ws`, relay.publicKey, shape);
    writeFileSync(join(dataDir, 'rooms.json'), JSON.stringify(plans));
    return plans;
  } finally {
    await relay.stop();
  }
}
