// Which epoch records a save writes (record-layout.ts): past epochs whose keys are forgotten leave
// the state record for records of a fixed epoch range, each written when an epoch in it settles.
// A save compares every epoch with what it stored by identity and count (nothing is encoded for an
// unchanged one), so many past epochs cost a walk of the epoch map, not their bytes.
import { chunkOf, epochsName, epochsRecord } from './record-layout.js';
import type { EpochInfo, RoomState } from './room-state.js';
import { epochToJson, type EpochJson } from './snapshot.js';

/**
 * A past epoch whose keys are forgotten (forgetKeysBefore, keepNewestInitSecret): what is left of it
 * is read-only (EpochInfo), so it is written once, into an epoch record. The current epoch stays in
 * the state record, whatever it holds.
 */
export function settledEpoch(room: RoomState, epoch: number, info: EpochInfo): boolean {
  return epoch < room.epoch && info.chains === undefined && info.initSecret === undefined;
}

/** A settled epoch as an epoch record holds it: the object written, and its message count then. */
export interface StoredEpoch {
  readonly info: EpochInfo;
  readonly count: number | undefined;
}

/** The epochs of `room` that came from its epoch records when it was loaded. */
export function storedEpochs(room: RoomState, epochs: Iterable<number>): Map<number, StoredEpoch> {
  const stored = new Map<number, StoredEpoch>();
  for (const epoch of epochs) stored.set(epoch, { info: room.epochs.get(epoch)!, count: room.epochCounts.get(epoch) });
  return stored;
}

/**
 * Rewrites the epoch records whose epochs changed since they were written (`stored`, updated): one
 * settled, was replaced, holds keys again or is gone, or its message count moved (nothing counts a
 * message it cannot open, but nothing here relies on that). A record left empty is deleted.
 */
export function saveEpochs(room: RoomState, stored: Map<number, StoredEpoch>, names: Set<string>, size: number, put: Map<string, Uint8Array>, remove: string[]): void {
  const dirty = new Set<number>();
  for (const [epoch, info] of room.epochs) {
    const was = stored.get(epoch);
    const changed = settledEpoch(room, epoch, info) ? was?.info !== info || was.count !== room.epochCounts.get(epoch) : was !== undefined;
    if (changed) dirty.add(chunkOf(epoch, size));
  }
  for (const epoch of stored.keys()) if (!room.epochs.has(epoch)) dirty.add(chunkOf(epoch, size));
  for (const part of dirty) {
    const epochs: EpochJson[] = [];
    const counts: [number, number][] = [];
    for (let epoch = part * size; epoch < (part + 1) * size; epoch++) {
      const info = room.epochs.get(epoch);
      stored.delete(epoch);
      if (info === undefined || !settledEpoch(room, epoch, info)) continue;
      const count = room.epochCounts.get(epoch);
      epochs.push(epochToJson(epoch, info));
      if (count !== undefined) counts.push([epoch, count]);
      stored.set(epoch, { info, count });
    }
    const name = epochsName(room.hex, part);
    if (epochs.length > 0) {
      put.set(name, epochsRecord(room.hex, part, epochs, counts));
      names.add(name);
    } else if (names.delete(name)) {
      remove.push(name);
    }
  }
}
