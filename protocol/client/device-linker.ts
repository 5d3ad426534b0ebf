// Linking a device, both ends, inside a SottoClient (docs/protocol.md §8.7.1). The link's crypto is
// device-link.ts; this file moves its posts through the relay mailbox and does what they ask:
// on the existing device, one `device` commit per accepted room and the room's history; on the new
// device, a room state per room, bound with its own keys, taken only once its log and key check out
// (V-145). Progress goes out as `link` events on both devices.
import { bytesEqual, fromHex, toHex } from '../bytes.js';
import { SottoError } from '../errors.js';
import { randomBytes } from '../crypto/random.js';
import { Secret } from '../crypto/secret.js';
import { eventHash, memberOf, nextRoster, replayLog } from '../membership/roster.js';
import type { LinkMessage, LinkRoom, LinkRoomKeys } from '../wire/device-link.js';
import { historyEntryBytes, type HistoryEntry } from '../wire/history-entry.js';
import { historyEntry, takeHistoryEntries } from './history-entries.js';
import type { Rotation } from '../wire/rotation.js';
import { errorDetail, errorName, type ClientContext, type ClientParts } from './client-context.js';
import { ExistingDeviceLink, NewDeviceLink, type LinkPost } from './device-link.js';
import { safeName } from './display-name.js';
import { rotationPsks } from './epoch-keys.js';
import { nextEvent } from './events.js';
import { generateMemberKeys, type MemberKeys } from './member-keys.js';
import { currentRoster, eventAt, newRoomState, setName, type RoomState } from './room-state.js';
import { buildRotation } from './rotation.js';
import { memberViews, newMessageView, roomView } from './views.js';

type LinkerParts = Pick<ClientParts, 'channel' | 'inbound' | 'membership' | 'keys' | 'binding' | 'outbox'>;

/** History entries per link message: well under a post's 256 KiB for ordinary texts. */
const HISTORY_PER_MESSAGE = 200;
const HISTORY_BYTES_PER_MESSAGE = 192 * 1024;

/** The new device's side of a link in progress: the per-room keys it made for the rooms it took. */
interface FreshLink {
  readonly link: NewDeviceLink;
  readonly displayName: string;
  readonly keys: Map<string, MemberKeys>;
}

export class DeviceLinker {
  readonly #ctx: ClientContext;
  readonly #parts: LinkerParts;
  #existing: ExistingDeviceLink | undefined;
  #existingRooms: readonly RoomState[] = [];
  #fresh: FreshLink | undefined;
  /** The mailboxes this link listens on: the relay is told to stop when it ends, which frees their slots (V-192). */
  #boxes: Uint8Array[] = [];
  /** Posts are handled one at a time, in arrival order. */
  #queue: Promise<void> = Promise.resolve();
  #completing = false;
  /** A start is under way (its first await not yet past): a second start in the same tick is refused too. */
  #starting = false;

  constructor(ctx: ClientContext, parts: LinkerParts) {
    this.#ctx = ctx;
    this.#parts = parts;
    parts.inbound.linkData = (_box, data) => {
      this.#queue = this.#queue.then(() => this.#onPost(data)).catch((error: unknown) => this.#fail(error));
    };
  }

  // ——— the new device ———

  /** Starts a link on this (new) device: the payload for `#/link/<payload>` and its QR code. */
  async startAsNew(displayName: string): Promise<string> {
    return this.#start(async () => {
      const link = await NewDeviceLink.start(this.#ctx.suite);
      this.#fresh = { link, displayName, keys: new Map() };
      await this.#listen(link.box);
      return link.payload;
    });
  }

  /** Our person confirmed the code: fresh keys for each offered room we take (all by default). */
  async accept(roomIds?: readonly string[]): Promise<void> {
    const fresh = this.#fresh;
    const offer = fresh?.link.offer;
    if (fresh === undefined || offer === undefined) throw new SottoError('BAD_LINK', 'no offer to accept');
    const chosen = offer.rooms.filter((r) => roomIds === undefined || roomIds.includes(toHex(r.roomId)));
    const rooms: LinkRoomKeys[] = [];
    for (const room of chosen) {
      if (this.#ctx.rooms.has(toHex(room.roomId))) continue;
      const keys = await generateMemberKeys(this.#ctx.suite);
      fresh.keys.set(toHex(room.roomId), keys);
      rooms.push({ roomId: room.roomId, sign: keys.sign.publicKey, enc: keys.enc.publicKey });
    }
    await this.#post(fresh.link.accept(rooms));
  }

  // ——— the existing device ———

  /** Answers a link shown on a new device, offering `roomIds`; returns the code to compare. */
  async startAsExisting(linkText: string, roomIds: readonly string[]): Promise<string> {
    return this.#start(async () => {
      const rooms = roomIds.map((id) => this.#ctx.memberRoom(id));
      if (rooms.length === 0) throw new SottoError('BAD_VALUE', 'choose at least one room');
      const personName = rooms[0]!.displayName;
      const { link, offer } = await ExistingDeviceLink.start(this.#ctx.suite, linkText, personName, rooms.map((r) => ({ roomId: r.roomId, name: r.name })));
      this.#existing = link;
      this.#existingRooms = rooms;
      await this.#listen(link.replyBox);
      await this.#post(offer);
      return link.code;
    });
  }

  /** Our person confirmed the code: once the new device's accept is here too, add it and send the history. */
  confirm(): void {
    const link = this.#existing;
    if (link === undefined) throw new SottoError('BAD_LINK', 'no link to confirm');
    link.confirm();
    this.#queue = this.#queue.then(() => this.#completeIfReady()).catch((error: unknown) => this.#fail(error));
  }

  /**
   * Our person pressed Cancel on either device: the other device is told over the link (when there
   * is a channel yet) and this one stops at once. What was already committed stays: a device added
   * to a room is removed like any device.
   */
  async cancel(): Promise<void> {
    const post = this.#existing?.cancel() ?? this.#fresh?.link.cancel();
    if (this.#existing === undefined && this.#fresh === undefined) return;
    this.#end('failed', 'LINK_CANCELLED');
    if (post !== undefined) await this.#post(post);
  }

  async #onPost(data: Uint8Array): Promise<void> {
    if (this.#existing !== undefined) {
      const message = this.#existing.receive(data);
      if (message?.kind === 'cancel') this.#end('failed', 'LINK_CANCELLED');
      else if (message?.kind === 'accept') await this.#completeIfReady();
      return;
    }
    const fresh = this.#fresh;
    if (fresh === undefined) return;
    const message = await fresh.link.receive(data);
    if (message !== undefined) await this.#onLinkMessage(fresh, message);
  }

  async #completeIfReady(): Promise<void> {
    const link = this.#existing;
    const accepted = link?.ready;
    if (link === undefined || accepted === undefined || this.#completing) return;
    this.#completing = true;
    let done = 0;
    for (const keys of accepted) {
      // Cancelled meanwhile: no further room is added.
      if (this.#existing !== link) return;
      const room = this.#existingRooms.find((r) => bytesEqual(r.roomId, keys.roomId))!;
      this.#ctx.emit({ type: 'link', state: 'adding', done, total: accepted.length });
      const added = await this.#ctx.exclusive(async () => {
        let result: LinkRoom | undefined;
        await this.#parts.membership.withLogRetry(room, async () => {
          result = await this.#addDevice(room, keys, link);
        });
        return result!;
      });
      await this.#post(link.send({ kind: 'room', room: added }));
      await this.#sendHistory(room, added.epoch, link);
      done++;
    }
    if (this.#existing !== link) return;
    await this.#post(link.send({ kind: 'done' }));
    this.#end('done');
  }

  /** One `device` commit (§8.7): the event and the rotation for the roster after it, our link's psk for the new entry. */
  async #addDevice(room: RoomState, keys: LinkRoomKeys, link: ExistingDeviceLink): Promise<LinkRoom> {
    const roster = currentRoster(room)!;
    const self = memberOf(roster, room.me.sign.publicKey)!;
    const event = await nextEvent(room.me.sign, roster, {
      kind: 'device', subjectSign: keys.sign, subjectEnc: keys.enc, role: self.role === 'owner' ? 'admin' : self.role,
    });
    const after = nextRoster(roster, event);
    const epoch = room.epoch + 1;
    const key = randomBytes(32);
    const secret = link.deviceSecret(room.roomId);
    let rotation: Rotation;
    try {
      rotation = await buildRotation(this.#ctx.suite, room.me.sign, after, epoch, key, rotationPsks(room, { sign: keys.sign, secret }));
    } finally {
      secret.fill(0);
    }
    await this.#parts.channel.request((rid) => ({ type: 'appendEvent', rid, event, rotation, welcome: undefined }), async () => {
      await this.#parts.membership.acceptEvent(room, event);
      this.#parts.keys.storeEpoch(room, rotation, key, after);
    });
    const names = [...room.names].filter(([sign]) => after.members.has(sign)).map(([sign, name]) => ({ member: fromHex(sign), name }));
    return {
      roomId: room.roomId, ownerSign: after.owner, linkingSign: room.me.sign.publicKey, addIndex: event.index, addHash: eventHash(event),
      epoch, roomName: room.name, names,
    };
  }

  /**
   * Everything we hold of the room from before the device's add, as it came (texts, replies,
   * reactions, edits, deletes, attachments, each with its counter: §8.7.1), in seq order, in posts
   * of bounded size.
   */
  async #sendHistory(room: RoomState, epoch: number, link: ExistingDeviceLink): Promise<void> {
    const entries = room.messages.filter((m) => m.epoch < epoch).map(historyEntry);
    let sent = 0;
    while (sent < entries.length && this.#existing === link) {
      let bytes = 0;
      let end = sent;
      while (end < entries.length && end - sent < HISTORY_PER_MESSAGE) {
        const size = historyEntryBytes(entries[end]!);
        if (end > sent && bytes + size > HISTORY_BYTES_PER_MESSAGE) break;
        bytes += size;
        end++;
      }
      await this.#post(link.send({ kind: 'history', history: { roomId: room.roomId, total: entries.length, entries: entries.slice(sent, end) } }));
      sent = end;
      this.#ctx.emit({ type: 'link', state: 'history', done: sent, total: entries.length });
    }
  }

  // ——— the new device, continued ———

  async #onLinkMessage(fresh: FreshLink, message: LinkMessage): Promise<void> {
    switch (message.kind) {
      case 'offer':
        this.#ctx.emit({
          type: 'link', state: 'offer', code: fresh.link.code!,
          rooms: message.rooms.map((r) => ({ roomId: toHex(r.roomId), name: safeName(r.name) })),
        });
        return;
      case 'room':
        await this.#takeRoom(fresh, message.room);
        return;
      case 'history': {
        const room = this.#ctx.rooms.get(toHex(message.history.roomId));
        if (room === undefined || !fresh.keys.has(room.hex)) throw new SottoError('BAD_LINK', 'history for a room the link did not add');
        this.#takeHistory(room, message.history.entries);
        this.#ctx.emit({ type: 'link', state: 'history', done: room.messages.filter((m) => m.sharedBy !== undefined).length, total: message.history.total });
        return;
      }
      case 'done':
        this.#end('done');
        return;
      case 'cancel':
        this.#end('failed', 'LINK_CANCELLED');
        return;
      case 'accept':
        return;
    }
  }

  /**
   * Our device add in one room: a room state with our keys, bound as a member and synced from the
   * genesis; taken only when the log is rooted in the owner key we were given, holds our device
   * event where the link says, signed by the linking device, and our entry opened (V-145).
   */
  async #takeRoom(fresh: FreshLink, info: LinkRoom): Promise<void> {
    const hex = toHex(info.roomId);
    const me = fresh.keys.get(hex);
    if (me === undefined || this.#ctx.rooms.has(hex)) throw new SottoError('BAD_LINK', 'a room the link did not add');
    // No name of its own (the web's new device asks for none): the person's name the offer carried.
    const displayName = fresh.displayName !== '' ? fresh.displayName : safeName(fresh.link.offer?.personName ?? '');
    const room = newRoomState(info.roomId, me, 'joining', '', displayName);
    room.linkedSecret = new Secret(fresh.link.deviceSecret(info.roomId));
    this.#ctx.rooms.set(hex, room);
    try {
      await this.#parts.binding.bindAndSync(room);
      const add = eventAt(room, info.addIndex);
      const opened = room.epochs.get(info.epoch);
      if (add?.kind !== 'device' || !bytesEqual(add.subjectSign, me.sign.publicKey) || !bytesEqual(add.issuer, info.linkingSign)
        || !bytesEqual(eventHash(add), info.addHash)) {
        throw new SottoError('BAD_CHAIN', `the log does not hold our device add at ${info.addIndex}`);
      }
      if (opened === undefined || opened.logLength !== info.addIndex + 1) throw new SottoError('OPEN_FAILED', 'our entry of the device add’s rotation did not open');
      if (room.base === undefined) await replayLog(this.#ctx.suite, room.events, info.ownerSign);
    } catch (error) {
      this.#ctx.rooms.delete(hex);
      throw error;
    } finally {
      room.linkedSecret?.wipe();
      delete room.linkedSecret;
    }
    room.status = 'member';
    room.name = safeName(info.roomName);
    for (const entry of info.names) setName(room, toHex(entry.member), entry.name);
    // Our name goes first, as a joiner's does, so the room labels this device before it writes.
    if (room.displayName !== '') {
      const queued = await this.#ctx.exclusive(() => this.#parts.outbox.enqueueContent(room, { type: 'profile', time: Date.now(), text: room.displayName }));
      this.#ctx.background(queued.done, room);
    }
    await this.#ctx.save();
    this.#ctx.emit({ type: 'room', room: roomView(room) });
    this.#ctx.emit({ type: 'members', roomId: room.hex, members: memberViews(room) });
    // The bind above caught up a room still 'joining', which never opens its outbox: now a member,
    // it catches up again and becomes ready to send (without this every send from the new device
    // waited forever).
    await this.#parts.binding.catchUp(room);
    this.#ctx.emit({ type: 'join', roomId: hex, state: 'member' });
  }

  /** The other device's history, as it holds it: its word (sharedBy), counted as read. */
  #takeHistory(room: RoomState, entries: readonly HistoryEntry[]): void {
    const linking = room.events.find((e) => e.kind === 'device' && bytesEqual(e.subjectSign, room.me.sign.publicKey));
    const sharedBy = linking === undefined ? 'your other device' : newMessageView(room, 0, 0, linking.issuer, '', 0, []).senderLabel;
    for (const view of takeHistoryEntries(room, entries, room.epoch, sharedBy)) this.#ctx.emit({ type: 'message', roomId: room.hex, message: view });
    this.#ctx.saveSoon(room);
  }

  // ——— both ———

  /**
   * One link at a time, either end (V-196): a second start would replace the first unsaid — its
   * remaining rooms not added, its history cut off, its mailboxes still heard, the other device left
   * waiting. Refused with LINK_OPEN until the first is done, failed or cancelled. A start that fails
   * leaves nothing open: what it began is wiped and its mailbox no longer heard.
   */
  async #start<T>(begin: () => Promise<T>): Promise<T> {
    if (this.#starting || this.#existing !== undefined || this.#fresh !== undefined) {
      throw new SottoError('LINK_OPEN', 'finish or cancel the link in progress first');
    }
    this.#starting = true;
    try {
      return await begin();
    } catch (error) {
      this.#clear();
      throw error;
    } finally {
      this.#starting = false;
    }
  }

  async #listen(box: Uint8Array): Promise<void> {
    await this.#parts.channel.request((rid) => ({ type: 'linkListen', rid, box }));
    this.#boxes.push(box);
  }

  /** Stops hearing the link's mailboxes; a relay that cannot be told now frees them when they expire. */
  #unlisten(): void {
    for (const box of this.#boxes) {
      this.#parts.channel.request((rid) => ({ type: 'linkUnlisten', rid, box })).catch((error: unknown) => {
        this.#ctx.warn(undefined, errorName(error), `device link: the relay still listens: ${errorDetail(error)}`);
      });
    }
    this.#boxes = [];
  }

  async #post(post: LinkPost): Promise<void> {
    await this.#parts.channel.request((rid) => ({ type: 'linkPost', rid, box: post.box, data: post.data }));
  }

  #fail(error: unknown): void {
    this.#ctx.warn(undefined, errorName(error), `device link: ${errorDetail(error)}`);
    this.#end('failed', errorName(error));
  }

  #end(state: 'done' | 'failed', error?: ReturnType<typeof errorName>): void {
    this.#clear();
    this.#ctx.emit({ type: 'link', state, ...(error === undefined ? {} : { error }) });
  }

  /** Nothing of a link left on this device: its mailboxes unheard, its keys wiped. */
  #clear(): void {
    this.#unlisten();
    this.#existing?.wipe();
    this.#fresh?.link.wipe();
    this.#existing = undefined;
    this.#fresh = undefined;
    this.#completing = false;
  }
}
