// The roster the membership rules (protocol/membership/roster.ts) check against, rebuilt from the store's
// rows rather than by replaying the log: the relay verified each event when it was appended.
import { toHex } from '../protocol/bytes.js';
import { SottoError } from '../protocol/errors.js';
import type { Member, Roster } from '../protocol/membership/roster.js';
import type { RoomState, Store } from './store/store.js';

export interface RoomWithRoster {
  readonly room: RoomState;
  readonly roster: Roster;
}

export async function loadRoster(store: Store, roomId: Uint8Array): Promise<RoomWithRoster> {
  const found = await store.getRoomAndMembers(roomId);
  if (found === undefined) throw new SottoError('ROOM_NOT_FOUND');
  const { room, members } = found;
  const map = new Map<string, Member>();
  // The owner's current key: the genesis key the rooms row keeps until the owner updates its keys (§8.5).
  let owner = room.owner;
  for (const m of members) {
    map.set(toHex(m.sign), { sign: m.sign, enc: m.enc, role: m.role, addedAt: m.addedAt });
    if (m.role === 'owner') owner = m.sign;
  }
  return {
    room,
    roster: { roomId: room.roomId, owner, settings: room.settings, members: map, length: room.logLength, headHash: room.headHash },
  };
}
