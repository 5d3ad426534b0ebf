// The two ends of a device link (docs/protocol.md §8.7.1) as pure state machines over mailbox
// posts: no I/O here, so the same steps run in the web worker, the headless client and the tests,
// and a test can play a relay that drops, reorders or rewrites any post. The existing device adds
// nothing before both its person's confirmation of the code and the new device's accept (V-144).
import { bytesEqual, concat, toHex } from '../bytes.js';
import { SottoError } from '../errors.js';
import type { AgreementKey, Suite } from '../crypto/suite.js';
import { encodeDeviceLinkPayload, parseDeviceLink, type LinkMessage, type LinkRoomKeys, type LinkRoomOffer } from '../wire/device-link.js';
import { SIZE } from '../wire/types.js';
import { deriveLinkKeys, deviceSecret, existingDeviceBox, LinkChannel, newDeviceBox, type LinkKeys } from './link-channel.js';

/** A post to put in a relay mailbox. */
export interface LinkPost {
  readonly box: Uint8Array;
  readonly data: Uint8Array;
}

async function agree(key: AgreementKey, peer: Uint8Array): Promise<Uint8Array> {
  try {
    return await key.agree(peer);
  } catch {
    throw new SottoError('BAD_LINK', 'the other device’s link key is not usable');
  }
}

/** The new device: shows the link, takes the first offer, answers it once its person confirmed the code. */
export class NewDeviceLink {
  readonly #key: AgreementKey;
  #keys: LinkKeys | undefined;
  #channel: LinkChannel | undefined;
  #offer: Extract<LinkMessage, { kind: 'offer' }> | undefined;
  /** The offer's post as it came: the mailbox serves it again to a listener that comes back. */
  #offerPost: Uint8Array | undefined;
  #accepted = false;

  private constructor(key: AgreementKey) {
    this.#key = key;
  }

  /** A fresh one-time key, kept in memory only: the link works once, in this page. */
  static async start(suite: Suite): Promise<NewDeviceLink> {
    return new NewDeviceLink(await suite.ephemeralAgreementKey());
  }

  /** What the link and its QR code carry (`#/link/<payload>`). */
  get payload(): string {
    return encodeDeviceLinkPayload(this.#key.publicKey);
  }

  /** Where the existing device posts to us: the relay learns this hash, never the key. */
  get box(): Uint8Array {
    return newDeviceBox(this.#key.publicKey);
  }

  /** The comparison code, once an offer arrived. */
  get code(): string | undefined {
    return this.#keys?.code;
  }

  get offer(): Extract<LinkMessage, { kind: 'offer' }> | undefined {
    return this.#offer;
  }

  /**
   * One post from our mailbox. The first is the offer (`E_pub ‖ sealed`); everything after it must
   * open on the channel the offer made, so a second offer — anyone's — is BAD_LINK (V-143).
   * Undefined for a post served again.
   */
  async receive(data: Uint8Array): Promise<LinkMessage | undefined> {
    if (this.#channel === undefined) {
      if (data.length < SIZE.publicKey + 4) throw new SottoError('BAD_LINK', 'the offer is too short');
      const ephemeral = data.slice(0, SIZE.publicKey);
      const keys = deriveLinkKeys(await agree(this.#key, ephemeral), this.#key.publicKey, ephemeral);
      const channel = new LinkChannel(keys, 'new');
      const offer = channel.open(data.subarray(SIZE.publicKey));
      if (offer?.kind !== 'offer') throw new SottoError('BAD_LINK', 'the link did not start with an offer');
      this.#keys = keys;
      this.#channel = channel;
      this.#offer = offer;
      this.#offerPost = data.slice();
      return offer;
    }
    if (this.#offerPost !== undefined && bytesEqual(data, this.#offerPost)) return undefined;
    const message = this.#channel.open(data);
    if (message?.kind === 'offer' || message?.kind === 'accept') throw new SottoError('BAD_LINK', `a second ${message.kind}`);
    return message;
  }

  /**
   * The person confirmed the code: our public keys for the rooms we take (each one offered, once).
   * The private halves stay on this device.
   */
  accept(rooms: readonly LinkRoomKeys[]): LinkPost {
    if (this.#channel === undefined || this.#offer === undefined || this.#keys === undefined) throw new SottoError('BAD_LINK', 'no offer to accept');
    if (this.#accepted) throw new SottoError('BAD_LINK', 'the offer was already answered');
    checkChosen(this.#offer.rooms, rooms);
    this.#accepted = true;
    return { box: existingDeviceBox(this.#keys), data: this.#channel.seal({ kind: 'accept', rooms }) };
  }

  /** Declines the offer (the codes differed, or the person cancelled). */
  cancel(): LinkPost | undefined {
    if (this.#channel === undefined || this.#keys === undefined) return undefined;
    return { box: existingDeviceBox(this.#keys), data: this.#channel.seal({ kind: 'cancel' }) };
  }

  /** The psk our entry of the device add's rotation is sealed with (§8.7.1). */
  deviceSecret(roomId: Uint8Array): Uint8Array {
    if (this.#keys === undefined) throw new SottoError('BAD_LINK', 'no link yet');
    return deviceSecret(this.#keys.prk, roomId);
  }

  wipe(): void {
    this.#channel?.wipe();
  }
}

/** The existing device: answers a link with an offer, adds and sends only after both confirmations. */
export class ExistingDeviceLink {
  readonly #keys: LinkKeys;
  readonly #channel: LinkChannel;
  readonly #offered: readonly LinkRoomOffer[];
  readonly #newBox: Uint8Array;
  #accept: readonly LinkRoomKeys[] | undefined;
  #confirmed = false;
  #cancelled = false;

  private constructor(keys: LinkKeys, channel: LinkChannel, offered: readonly LinkRoomOffer[], newBox: Uint8Array) {
    this.#keys = keys;
    this.#channel = channel;
    this.#offered = offered;
    this.#newBox = newBox;
  }

  /** Reads the link (BAD_INVITE_LINK), makes E, and the offer post for the new device's mailbox. */
  static async start(suite: Suite, linkText: string, personName: string, rooms: readonly LinkRoomOffer[]): Promise<{ link: ExistingDeviceLink; offer: LinkPost }> {
    const linkPublicKey = parseDeviceLink(linkText);
    const ephemeral = await suite.ephemeralAgreementKey();
    const keys = deriveLinkKeys(await agree(ephemeral, linkPublicKey), linkPublicKey, ephemeral.publicKey);
    const channel = new LinkChannel(keys, 'existing');
    const link = new ExistingDeviceLink(keys, channel, rooms, newDeviceBox(linkPublicKey));
    const sealed = channel.seal({ kind: 'offer', personName, rooms });
    return { link, offer: { box: link.#newBox, data: concat(ephemeral.publicKey, sealed) } };
  }

  get code(): string {
    return this.#keys.code;
  }

  /** Where the new device answers: derived from the link's keys, so only the two devices can address it. */
  get replyBox(): Uint8Array {
    return existingDeviceBox(this.#keys);
  }

  /** The rooms and keys the new device took, once both sides confirmed; undefined until then. */
  get ready(): readonly LinkRoomKeys[] | undefined {
    return this.#confirmed && !this.#cancelled ? this.#accept : undefined;
  }

  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** Our person compared the codes and said they match. */
  confirm(): void {
    this.#confirmed = true;
  }

  /** One post from our reply mailbox: the accept or a cancel (BAD_LINK for anything else). */
  receive(data: Uint8Array): LinkMessage | undefined {
    const message = this.#channel.open(data);
    if (message === undefined) return undefined;
    if (message.kind === 'cancel') {
      this.#cancelled = true;
      return message;
    }
    if (message.kind !== 'accept' || this.#accept !== undefined) throw new SottoError('BAD_LINK', `unexpected ${message.kind} from the new device`);
    checkChosen(this.#offered, message.rooms);
    this.#accept = message.rooms;
    return message;
  }

  /** A room, history or done message for the new device; only after both confirmations. */
  send(message: LinkMessage): LinkPost {
    if (this.ready === undefined) throw new SottoError('BAD_LINK', 'the link is not confirmed on both devices');
    return { box: this.#newBox, data: this.#channel.seal(message) };
  }

  /** Our person stopped the link: a cancel for the new device, at any step (nothing more follows it). */
  cancel(): LinkPost {
    this.#cancelled = true;
    return { box: this.#newBox, data: this.#channel.seal({ kind: 'cancel' }) };
  }

  deviceSecret(roomId: Uint8Array): Uint8Array {
    return deviceSecret(this.#keys.prk, roomId);
  }

  wipe(): void {
    this.#channel.wipe();
  }
}

/** The accepted rooms are offered ones, each at most once, each with its own keys. */
function checkChosen(offered: readonly LinkRoomOffer[], chosen: readonly LinkRoomKeys[]): void {
  const seen = new Set<string>();
  for (const room of chosen) {
    const id = toHex(room.roomId);
    if (seen.has(id) || !offered.some((o) => bytesEqual(o.roomId, room.roomId))) throw new SottoError('BAD_LINK', 'an accepted room was not offered, or twice');
    seen.add(id);
  }
}
