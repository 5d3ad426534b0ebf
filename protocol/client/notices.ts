// The timeline's notices, derived from what the client already verified and keeps: the signed
// membership log (created, joined, left, removed, role changed, history setting changed, keys
// updated, and whether we had verified the key it replaced) and the epochs it holds (each new epoch is a new room key, so a new room code to compare). Nothing here is taken from the relay's
// word or guessed by a UI; the text is the UI's, the facts are these.
import { toHex } from '../bytes.js';
import { memberOf } from '../membership/roster.js';
import { devicesOf, samePerson } from '../membership/persons.js';
import type { HistorySetting, MemberEvent } from '../wire/membership.js';
import { logBase, rosterAt, type RoomState } from './room-state.js';
import { memberLabel, personLabel } from './views.js';
import { renameCount, renames } from './room-name.js';

export type NoticeKind = 'created' | 'joined' | 'left' | 'removed' | 'role' | 'history' | 'keys' | 'device' | 'code' | 'renamed';

export interface NoticeView {
  /** Stable within the room: `log:<index>`, `epoch:<n>` or `name:<seq>`. */
  readonly key: string;
  readonly kind: NoticeKind;
  /** The signer's clock for log events, the rotation's for a new epoch; ms. */
  readonly time: number;
  /** Who did it (the event's signer); for 'code' the room itself, so ''. */
  readonly actor: string;
  readonly actorMe: boolean;
  /** Whom it was done to; equal to the actor for 'created' and 'left'. */
  readonly subject: string;
  readonly subjectMe: boolean;
  /** 'role' and 'joined': the subject's role after the event. */
  readonly role: 'owner' | 'admin' | 'member' | undefined;
  /** 'code': the epoch that began, and its room code while this device still holds its key. */
  readonly epoch: number | undefined;
  readonly code: string | undefined;
  /** 'history': the room's new setting for new members (§8.6). */
  readonly history?: HistorySetting;
  /** 'keys': this person had marked the member's replaced key verified; the new key is not. */
  readonly wasVerified?: boolean;
  /** 'removed': how many devices it took: the person's every device, or one (`ownDevice`). */
  readonly devices?: number;
  /** 'removed': a device of the subject's own person signed it, so it took that one device (§8.7). */
  readonly ownDevice?: boolean;
  /** 'renamed': the room's new name (sanitized, V-18); the actor is the owner or admin who renamed it. */
  readonly name?: string;
}

const KIND = { create: 'created', add: 'joined', leave: 'left', remove: 'removed', role: 'role', history: 'history', update: 'keys', device: 'device' } as const;

/**
 * Built again only when what they come from changed: the page asks with every refresh, and a
 * catch-up of thousands of messages refreshes often while the log and epochs rarely change.
 */
const cache = new WeakMap<RoomState, { readonly basis: string; readonly notices: readonly NoticeView[] }>();

/** Every notice the room's held log and epochs give, oldest first. */
export function noticeViews(room: RoomState): readonly NoticeView[] {
  let held = 0;
  for (const info of room.epochs.values()) if (info.chains !== undefined) held++;
  const basis = `${logBase(room)}|${room.events.length}|${room.epochs.size}|${held}|${room.namesVersion}|${[...room.verified].join()}|${renameCount(room)}`;
  const kept = cache.get(room);
  if (kept?.basis === basis) return kept.notices;
  const notices = buildNotices(room);
  cache.set(room, { basis, notices });
  return notices;
}

function buildNotices(room: RoomState): NoticeView[] {
  const me = toHex(room.me.sign.publicKey);
  const base = logBase(room);
  const out: NoticeView[] = room.events.map((event, i) => {
    // A key update is told under the member's new key, which its name moved to (§8.5).
    const actor = toHex(event.kind === 'update' ? event.update!.sign : event.issuer);
    const subject = event.kind === 'update' ? actor : toHex(event.subjectSign);
    const taken = event.kind === 'remove' || event.kind === 'leave' ? removal(room, base + i, event) : undefined;
    // A person's several devices are one name (the leaver is both actor and subject).
    const subjectLabel = taken?.label ?? memberLabel(room, subject);
    return {
      key: `log:${base + i}`, kind: KIND[event.kind], time: event.time,
      actor: event.kind === 'leave' ? subjectLabel : memberLabel(room, actor), actorMe: actor === me, subject: subjectLabel, subjectMe: subject === me,
      role: event.kind === 'add' || event.kind === 'role' ? event.role : undefined, epoch: undefined, code: undefined,
      ...(event.history === undefined ? {} : { history: event.history }),
      ...(event.kind === 'update' && room.verified.has(toHex(event.issuer)) ? { wasVerified: true } : {}),
      ...(event.kind === 'remove' && taken !== undefined ? { devices: taken.devices, ownDevice: taken.ownDevice } : {}),
    };
  });
  // The first epoch we hold is where our view of the room's keys starts (the genesis, or our
  // welcome), not a change; every later one replaced the key and so the room code.
  const epochs = [...room.epochs.keys()].sort((a, b) => a - b).slice(1);
  for (const epoch of epochs) {
    const info = room.epochs.get(epoch)!;
    // Derived when the epoch's key arrived (epoch-keys.ts); empty for one a build before sender chains forgot.
    const code = info.code === '' ? undefined : info.code;
    out.push({
      key: `epoch:${epoch}`, kind: 'code', time: info.startedAt, actor: '', actorMe: false, subject: '', subjectMe: false,
      role: undefined, epoch, code,
    });
  }
  // A rename is a signed message (room-name.ts), told at its sender's clock like the others.
  for (const m of renames(room)) {
    out.push({
      key: `name:${m.seq}`, kind: 'renamed', time: m.time, actor: memberLabel(room, m.sender), actorMe: m.mine, subject: '', subjectMe: false,
      role: undefined, epoch: undefined, code: undefined, name: m.renamed!,
    });
  }
  return out.sort((a, b) => a.time - b.time);
}

/**
 * Whom a remove or leave at log index `index` took, by the roster just before it (§8.7, ADR 0010):
 * one device, when a device of the subject's own person removed it, or else every device of the
 * subject's person, then named once (`label`) where they were several.
 */
function removal(room: RoomState, index: number, event: MemberEvent): { devices: number; ownDevice: boolean; label: string | undefined } | undefined {
  const before = rosterAt(room, index);
  const subject = before === undefined ? undefined : memberOf(before, event.subjectSign);
  const issuer = before === undefined ? undefined : memberOf(before, event.issuer);
  if (before === undefined || subject === undefined || issuer === undefined) return undefined;
  if (event.kind === 'remove' && samePerson(issuer, subject)) return { devices: 1, ownDevice: true, label: undefined };
  const devices = devicesOf(before, subject.addedAt).map((m) => toHex(m.sign));
  return { devices: devices.length, ownDevice: false, label: devices.length > 1 ? personLabel(room, toHex(event.subjectSign), devices) : undefined };
}
