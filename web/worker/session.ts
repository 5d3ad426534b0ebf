// The worker's state: which keystore is open, the protocol client running on it, and the page-facing
// views (unread counts, warnings) derived from the client's events. Key bytes never leave here.
import { checkHistory, type HistorySetting } from '../../protocol/wire/membership.js';
import { isSottoError, SottoError } from '../../protocol/errors.js';
import type { ClientEvent } from '../../protocol/client/client-events.js';
import type { ClientPersistence } from '../../protocol/client/persistence.js';
import { detectSuite } from '../../protocol/crypto/select-suite.js';
import { emptyKeystore } from '../../protocol/client/record-layout.js';
import { snapshotRooms } from '../../protocol/client/snapshot.js';
import { startClient, type ClientPort } from './client-port.js';
import { acceptInvites, KEYSTORE_LOCK } from './handoff.js';
import { joinFailure } from './join-failure.js';
import { LINK_FAILURE, linkProgress } from './link-events.js';
import { LinkGuard } from './link-guard.js';
import { Transfers } from './transfers.js';
import { MAX_QUERY, mergeHits, searchRoom } from './search.js';
import { clearImportPending, forgetKeystore, importPending, keystoreExists, replaceKeystore, WrongPassphrase } from './keystore.js';
import {
  checkKeystoreFile, createWrappedKeystore, openKeystoreFile, storedHasRecoveryKey, unlockWithPassphrase, unlockWithRecoveryKey, type WrappedKeystore,
} from './keystore-wrap.js';
import type {
  Api, ConnectionState, InitResult, InviteView, KeystoreState, MemberView, Method, Params, Result,
  RoomView, RpcError, ViewEvent, WarningView,
} from './rpc.js';
import { FORGET_CONFIRMATION, WORKER_ERRORS } from './rpc.js';

export class WorkerFailure extends Error {
  readonly code: keyof typeof WORKER_ERRORS;
  constructor(code: keyof typeof WORKER_ERRORS, message: string = WORKER_ERRORS[code]) {
    super(message);
    this.name = 'WorkerFailure';
    this.code = code;
  }
}

/**
 * How a thrown value reaches the page: a stable code and a sentence, never a stack or key bytes. A
 * join's failures get the words that tell the person their link cannot work.
 */
export function toRpcError(error: unknown, method?: Method): RpcError {
  if (error instanceof WorkerFailure) return { code: error.code, message: error.message };
  if (error instanceof WrongPassphrase) return { code: 'WRONG_PASSPHRASE', message: WORKER_ERRORS.WRONG_PASSPHRASE };
  if (isSottoError(error)) {
    const joinText = method === 'join' || method === 'previewInvite' ? joinFailure(error.errorName, error.message) : undefined;
    const linkText = method !== undefined && LINK_METHODS.has(method) ? LINK_FAILURE[error.errorName] : undefined;
    return { code: error.errorName, message: joinText ?? linkText ?? humanError(error) };
  }
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

/** A second device link while one is going (link-guard.ts). */
const linkOpen = (): WorkerFailure => new WorkerFailure('LINK_OPEN');

const LINK_METHODS: ReadonlySet<Method> = new Set(['linkAsNew', 'acceptLink', 'linkNewDevice', 'confirmLink', 'cancelLink']);

/** The relay's quotas (docs/operations.md), as a refused request or a refused message shows them. */
const QUOTA_TEXT: Partial<Record<string, string>> = {
  ROOM_CREATION_LIMITED: 'This server allows only a few new rooms per hour from one address. Try again later.',
  ROOM_TOKEN_REQUIRED: 'This server creates rooms only with a room-creation token from its operator. Enter the token you were given.',
  BAD_ROOM_TOKEN: 'This room-creation token is not valid on this server, or it has expired. Ask the server’s operator for a new one.',
  ROOM_FULL: 'This room has reached the server’s storage limit, so no more messages can be sent to it.',
  MESSAGE_TOO_LARGE: 'This message is larger than the server accepts.',
  TOO_MANY_ROOMS: 'You are in as many rooms as this server allows on one connection.',
};

const FRIENDLY: Partial<Record<string, string>> = {
  BAD_CHAIN: 'The room’s membership history does not verify.',
  NOT_ADMIN: 'Only the owner or an admin can do that.',
  NOT_OWNER: 'Only the owner can do that.',
  CLOSED: 'Not connected to the relay. Try again in a moment.',
  TIMEOUT: 'The relay did not answer in time. Try again.',
  RATE_LIMITED: 'Too many requests; slow down a little.',
  STORE_UNAVAILABLE: 'The server cannot reach its storage right now. Nothing was lost; try again in a moment.',
  ...QUOTA_TEXT,
  FIELD_TOO_LARGE: 'That is too long.',
  ATTACHMENT_TOO_LARGE: 'That file is larger than this server accepts.',
  ATTACHMENT_CORRUPT: 'The file failed verification: it is not what its sender sent. It was not opened.',
  ATTACHMENT_NOT_FOUND: 'The server no longer has this file (its room keeps files for a limited time).',
};

function humanError(error: SottoError): string {
  return FRIENDLY[error.errorName] ?? error.message;
}

const WARNING_TEXT: Partial<Record<string, string>> = {
  BAD_SIGNATURE: 'A signature did not verify; what it signed was ignored.',
  TAMPERED: 'A message failed authentication; it was not shown.',
  FORK: 'The relay served conflicting histories: two different signed records in the same place.',
  LOG_DIFFERENT: 'A member’s message named a member list from before its own key; it was not shown.',
  UNKNOWN_SENDER: 'A message came from someone who is not a member; it was not shown.',
  REFLECTED: 'The relay returned a message under your key that you never sent.',
  ROLLBACK: 'The relay served an older state than already seen.',
  KEY_MISSING: 'A message arrived for a key this device does not have.',
  REPLAY: 'A message was delivered twice.',
  HANDSHAKE_FAILED: 'The relay failed the secure handshake: it is not the relay this page expects, or something intercepts the connection. Nothing was sent.',
  DECRYPT_FAILED: 'The connection to the relay carried data that did not decrypt; it was closed and is being reopened.',
  BAD_KEY: 'The relay announced a malformed key; Sotto will not connect to it.',
  BAD_VALUE: 'The relay’s configuration is malformed; Sotto will not connect to it.',
  UNEXPECTED_FRAME: 'The relay sent something out of order; the connection was reset.',
  INTERNAL: 'Something went wrong on this device (for example saving the keystore).',
  ...QUOTA_TEXT,
};

interface RoomExtra {
  warnings: WarningView[];
  /** Why our join can never complete; cleared when it makes progress after all. */
  joinFailure: string | undefined;
  /** Set once the relay says it was restored from a backup and lost some of this room. */
  restoredNotice: string | undefined;
}

const RESTORED_NOTICE = 'The server was restored from a backup; re-sending what it lost.';

type Emit = (event: ViewEvent) => void;

export class Session {
  readonly #emit: Emit;
  readonly #transfers: Transfers;
  #state: KeystoreState = 'locked';
  #client: ClientPort | undefined;
  /** The unlocked keystore (its records, for an export too); undefined while locked or ephemeral. */
  #keystore: WrappedKeystore | undefined;
  #connection: ConnectionState = 'connecting';
  readonly #extras = new Map<string, RoomExtra>();
  /** View events waiting to be flushed (coalesced: a sync of 500 messages is one refresh). */
  readonly #queued = new Map<string, ViewEvent>();
  #flushScheduled = false;
  #busy = false;
  #lockHeld = false;
  /** The device link this client runs, one at a time; a new client starts with none. */
  #links = new LinkGuard();

  constructor(emit: Emit) {
    this.#emit = emit;
    this.#transfers = new Transfers(emit);
  }

  async handle<M extends Method>(method: M, params: Params<M>): Promise<Result<M>> {
    const handler = this.#handlers[method] as (p: Params<M>) => Promise<Result<M>>;
    if (handler === undefined) throw new WorkerFailure('BAD_REQUEST', `unknown method ${String(method)}`);
    return handler(params);
  }

  readonly #handlers: { [M in Method]: (params: Api[M][0]) => Promise<Api[M][1]> } = {
    init: async () => this.#init(),
    passphraseStrength: async ({ passphrase }) => (await strengthOf())(text(passphrase)),
    createKeystore: async ({ passphrase }) => {
      let recoveryKey = '';
      await this.#open(async () => {
        await this.#lockKeystore();
        if (await keystoreExists()) throw new WorkerFailure('KEYSTORE_EXISTS');
        await requireStrong(text(passphrase));
        const created = await createWrappedKeystore(text(passphrase), this.#progress);
        recoveryKey = created.recoveryKey;
        return { keystore: created.keystore, state: 'unlocked' as const, fresh: true };
      });
      return { recoveryKey };
    },
    unlock: async ({ passphrase }) => this.#open(async () => {
      if (!(await keystoreExists())) throw new WorkerFailure('NO_KEYSTORE');
      await this.#lockKeystore();
      const keystore = await unlockWithPassphrase(text(passphrase), this.#progress);
      return { keystore, state: 'unlocked' as const, fresh: false, imported: await importPending() };
    }),
    unlockWithRecoveryKey: async ({ recoveryKey, passphrase }) => this.#open(async () => {
      if (!(await keystoreExists())) throw new WorkerFailure('NO_KEYSTORE');
      await this.#lockKeystore();
      await requireStrong(text(passphrase));
      const keystore = await recoveryFailure(() => unlockWithRecoveryKey(text(recoveryKey), text(passphrase), this.#progress));
      return { keystore, state: 'unlocked' as const, fresh: false, imported: await importPending() };
    }),
    changePassphrase: async ({ current, next }) => {
      const keystore = this.#needKeystore();
      await requireStrong(text(next));
      await keystore.changePassphrase(text(current), text(next), this.#progress);
    },
    newRecoveryKey: async ({ passphrase }) => ({ recoveryKey: await this.#needKeystore().replaceRecoveryKey(text(passphrase), this.#progress) }),
    lock: async () => {
      if (this.#state === 'ephemeral') throw new WorkerFailure('BAD_REQUEST', 'a session without saving cannot be locked: closing it ends it');
      await this.#close();
    },
    forget: async ({ confirm }) => {
      if (text(confirm).trim().toLowerCase() !== FORGET_CONFIRMATION) throw new WorkerFailure('NOT_CONFIRMED');
      await this.#close();
      await forgetKeystore();
    },
    ephemeral: async () => this.#open(async () => ({ keystore: undefined, state: 'ephemeral' as const, fresh: false })),
    createRoom: async ({ name, displayName, history, roomToken }) => ({
      roomId: await this.#need().createRoom(text(name), text(displayName), historySetting(history), roomToken === undefined ? '' : text(roomToken).trim()),
    }),
    setHistory: async ({ roomId, history }) => this.#need().setHistory(hex(roomId), historySetting(history)),
    renameRoom: async ({ roomId, name }) => this.#need().renameRoom(hex(roomId), text(name)),
    createInvite: async ({ roomId, ttlMs }): Promise<InviteView> => {
      const invite = await this.#need().createInvite(hex(roomId), num(ttlMs));
      return { roomId, payload: invite.payload, expiresAt: invite.expiresAt };
    },
    join: async ({ payload, displayName }) => {
      const roomId = await this.#need().join(text(payload), text(displayName));
      this.#queue({ type: 'rooms' });
      return { roomId };
    },
    previewInvite: async ({ payload }) => this.#need().previewInvite(text(payload)),
    send: async ({ roomId, text: body }) => {
      if (text(body).trim() === '') throw new WorkerFailure('BAD_REQUEST', 'empty message');
      await this.#need().send(hex(roomId), body);
    },
    act: async ({ roomId, action, target, text: body }) => {
      if (action !== 'reply' && action !== 'react' && action !== 'edit' && action !== 'delete') throw new WorkerFailure('BAD_REQUEST', 'action');
      if ((action === 'reply' || action === 'edit') && text(body).trim() === '') throw new WorkerFailure('BAD_REQUEST', 'empty message');
      await this.#need().act(hex(roomId), action, text(target), text(body));
    },
    attach: async ({ roomId, transfer, bytes, name, mediaType }) => {
      if (!(bytes instanceof Uint8Array)) throw new WorkerFailure('BAD_REQUEST', 'file');
      const port = this.#need();
      await this.#transfers.run(transfer, (options) => port.attach(hex(roomId), { bytes, name: text(name), mediaType: text(mediaType) }, options));
    },
    fetchAttachment: async ({ roomId, messageKey, transfer }) => {
      const port = this.#need();
      return this.#transfers.run(transfer, (options) => port.fetchAttachment(hex(roomId), text(messageKey), options));
    },
    cancelTransfer: async ({ transfer }) => this.#transfers.cancel(transfer),
    search: async ({ query, roomId }) => {
      const port = this.#need();
      const wanted = text(query).slice(0, MAX_QUERY);
      const rooms = port.rooms().filter((room) => text(roomId) === '' || room.id === hex(roomId));
      return mergeHits(rooms.map((room) => searchRoom(room.id, room.name, port.messages(room.id, Number.MAX_SAFE_INTEGER).messages, wanted)));
    },
    remove: async ({ roomId, member }) => this.#need().remove(hex(roomId), hex(member)),
    setVerified: async ({ roomId, member, verified }) => {
      if (typeof verified !== 'boolean') throw new WorkerFailure('BAD_REQUEST', 'verified');
      this.#need().setVerified(hex(roomId), hex(member), verified);
    },
    setRole: async ({ roomId, member, role }) => {
      if (role !== 'admin' && role !== 'member') throw new WorkerFailure('BAD_REQUEST', 'role');
      await this.#need().setRole(hex(roomId), hex(member), role);
    },
    leave: async ({ roomId }) => this.#need().leave(hex(roomId)),
    rooms: async () => this.#rooms(),
    messages: async ({ roomId, last }) => this.#need().messages(hex(roomId), count(last)),
    members: async ({ roomId }): Promise<MemberView[]> => this.#need().members(hex(roomId)),
    warnings: async ({ roomId }) => [...(this.#extras.get(hex(roomId))?.warnings ?? [])],
    markRead: async ({ roomId }) => {
      this.#need().markRead(hex(roomId));
      this.#queue({ type: 'rooms' });
    },
    exportKeystore: async () => {
      if (this.#state !== 'unlocked') throw new WorkerFailure('LOCKED', 'There is no saved keystore to export.');
      this.#need();
      const bytes = await this.#keystore?.exportFile();
      if (bytes === undefined) throw new WorkerFailure('NO_KEYSTORE');
      const stamp = new Date().toISOString().slice(0, 10);
      return { bytes, name: `sotto-keystore-${stamp}.sotto` };
    },
    previewImport: async ({ bytes, passphrase }) => {
      if (!(bytes instanceof Uint8Array)) throw new WorkerFailure('BAD_REQUEST', 'file');
      const plaintext = await openKeystoreFile(bytes, text(passphrase), this.#progress);
      try {
        const inFile = snapshotRooms(plaintext);
        const kept = new Set(inFile.map((room) => room.roomId));
        const lost = this.#client?.rooms().filter((room) => !kept.has(room.id)).map((room) => room.name) ?? [];
        return { rooms: inFile.map((room) => room.name), lost };
      } finally {
        plaintext.fill(0);
      }
    },
    retrySends: async ({ roomId }) => this.#need().retrySends(hex(roomId)),
    linkAsNew: async () => ({ payload: await this.#links.start(() => this.#need().linkAsNew(), linkOpen) }),
    acceptLink: async () => this.#need().acceptLink(),
    linkNewDevice: async ({ link, roomIds }) => {
      if (!Array.isArray(roomIds)) throw new WorkerFailure('BAD_REQUEST', 'rooms');
      return { code: await this.#links.start(() => this.#need().linkNewDevice(text(link), roomIds.map(hex)), linkOpen) };
    },
    confirmLink: async () => this.#need().confirmLink(),
    cancelLink: async () => {
      await this.#need().cancelLink();
      this.#links.cancelled();
    },
    reconnect: async () => this.#need().reconnect(),
    importKeystore: async ({ bytes, passphrase }) => {
      if (!(bytes instanceof Uint8Array)) throw new WorkerFailure('BAD_REQUEST', 'file');
      await this.#lockKeystore();
      // Checked before anything is replaced: a wrong passphrase or a damaged file changes nothing.
      await checkKeystoreFile(bytes, text(passphrase), this.#progress);
      // The running client's last save must land before the file replaces it, not after.
      await this.#close();
      await replaceKeystore(bytes);
    },
  };

  /**
   * One tab at a time may run on the stored keystore: two clients saving the same snapshot would
   * overwrite each other's rooms and counters. The lock lives as long as this worker.
   */
  async #lockKeystore(): Promise<void> {
    if (this.#lockHeld) return;
    const locks = (globalThis.navigator as Navigator & { locks?: LockManager }).locks;
    if (locks === undefined) return;
    const granted = await new Promise<boolean>((resolve) => {
      void locks.request(KEYSTORE_LOCK, { ifAvailable: true }, (lock) => {
        resolve(lock !== null);
        // Held until the worker ends (the tab closes or reloads).
        return lock === null ? undefined : new Promise<void>(() => undefined);
      });
    });
    if (!granted) throw new WorkerFailure('IN_USE');
    this.#lockHeld = true;
    acceptInvites((payload) => this.#emit({ type: 'invite', payload }));
  }

  #lastProgress = -1;
  /** Argon2id reports thousands of steps; the page needs a percent at most. */
  readonly #progress = (fraction: number): void => {
    if (fraction < this.#lastProgress) this.#lastProgress = -1;
    if (fraction - this.#lastProgress < 0.01 && fraction < 1) return;
    this.#lastProgress = fraction;
    this.#emit({ type: 'progress', phase: 'derive', fraction });
  };

  async #init(): Promise<InitResult> {
    const suite = (await detectSuite()).name;
    if (this.#state === 'locked') {
      const stored = await keystoreExists().catch(() => false);
      const recoveryKey = stored && await storedHasRecoveryKey().catch(() => false);
      return { keystore: stored ? 'locked' : 'absent', recoveryKey, suite };
    }
    return { keystore: this.#state, recoveryKey: this.#keystore?.hasRecoveryKey ?? false, suite };
  }

  async #open(get: () => Promise<{ keystore: WrappedKeystore | undefined; state: 'unlocked' | 'ephemeral'; fresh: boolean; imported?: boolean }>): Promise<void> {
    if (this.#client !== undefined) return;
    if (this.#busy) throw new WorkerFailure('BAD_REQUEST', 'already unlocking');
    this.#busy = true;
    try {
      const { keystore, state, fresh, imported } = await get();
      const persistence: ClientPersistence | undefined = keystore?.persistence();
      // A new keystore is written at once (empty), so the next visit asks for this passphrase.
      if (fresh && persistence !== undefined) await persistence.save(emptyKeystore());
      const client = await startClient({
        persistence,
        origin: globalThis.location.origin,
        onEvent: (event) => this.#onClientEvent(event),
        imported: imported === true,
      });
      // Opening an import saved its rooms marked (SottoClient.open): only now is the note done with.
      if (imported === true) await clearImportPending();
      this.#client = client;
      this.#keystore = keystore;
      this.#state = state;
    } finally {
      this.#busy = false;
    }
  }

  /** Stops the client (its last save lands first) and wipes the data key: locked again. */
  async #close(): Promise<void> {
    const client = this.#client;
    const keystore = this.#keystore;
    this.#client = undefined;
    this.#keystore = undefined;
    this.#state = 'locked';
    this.#extras.clear();
    this.#links = new LinkGuard();
    await client?.stop();
    keystore?.wipe();
  }

  #needKeystore(): WrappedKeystore {
    if (this.#keystore === undefined) throw new WorkerFailure('LOCKED', 'There is no saved keystore: you are using Sotto without saving.');
    return this.#keystore;
  }

  #need(): ClientPort {
    if (this.#client === undefined) throw new WorkerFailure('LOCKED');
    return this.#client;
  }

  #extra(roomId: string): RoomExtra {
    let extra = this.#extras.get(roomId);
    if (extra === undefined) {
      extra = { warnings: [], joinFailure: undefined, restoredNotice: undefined };
      this.#extras.set(roomId, extra);
    }
    return extra;
  }

  #rooms(): RoomView[] {
    const client = this.#need();
    return client.rooms().map((room) => {
      const extra = this.#extra(room.id);
      const [last] = client.messages(room.id, 1).messages;
      const { createdTime, ...view } = room;
      const failed = extra.joinFailure !== undefined && (room.state === 'waiting' || room.state === 'joining');
      return {
        ...view,
        ...(failed ? { state: 'failed' as const, detail: extra.joinFailure } : {}),
        lastTime: last?.time ?? createdTime,
        lastMessage: last === undefined ? undefined
          : { senderName: last.senderName, text: last.attachment === undefined ? last.text : `File: ${last.attachment.name}`, time: last.time, own: last.own },
        warnings: extra.warnings.length,
        restoredNotice: extra.restoredNotice,
      };
    });
  }

  #onClientEvent(event: ClientEvent): void {
    switch (event.type) {
      case 'message':
      case 'pending':
        this.#queue({ type: 'messages', roomId: event.roomId });
        this.#queue({ type: 'rooms' });
        break;
      case 'members':
        this.#queue({ type: 'members', roomId: event.roomId });
        // The timeline's notices come from the same log.
        this.#queue({ type: 'messages', roomId: event.roomId });
        this.#queue({ type: 'rooms' });
        break;
      case 'room':
      case 'join':
      case 'epoch':
        if (event.type === 'join') this.#extra(event.roomId).joinFailure = undefined;
        this.#queue({ type: 'rooms' });
        if ('roomId' in event) {
          this.#queue({ type: 'members', roomId: event.roomId });
          this.#queue({ type: 'messages', roomId: event.roomId });
        } else {
          this.#queue({ type: 'members', roomId: event.room.roomId });
          this.#queue({ type: 'messages', roomId: event.room.roomId });
        }
        break;
      case 'warning': {
        const warning: WarningView = {
          roomId: event.roomId,
          code: event.error,
          text: WARNING_TEXT[event.error] ?? 'Something the relay sent did not verify and was ignored.',
          detail: event.detail,
          time: Date.now(),
          count: 1,
        };
        if (event.roomId !== undefined) {
          const extra = this.#extra(event.roomId);
          const last = extra.warnings[extra.warnings.length - 1];
          if (last !== undefined && last.code === warning.code && last.detail === warning.detail) {
            extra.warnings[extra.warnings.length - 1] = { ...warning, count: last.count + 1 };
          } else {
            extra.warnings.push(warning);
            if (extra.warnings.length > 50) extra.warnings.shift();
          }
          if (this.#joining(event.roomId)) extra.joinFailure ??= joinFailure(event.error);
          // A refused send takes its pending message off the list.
          this.#queue({ type: 'messages', roomId: event.roomId });
        }
        this.#emit({ type: 'warning', warning });
        this.#queue({ type: 'rooms' });
        break;
      }
      case 'restored':
        this.#extra(event.roomId).restoredNotice = RESTORED_NOTICE;
        this.#queue({ type: 'rooms' });
        break;
      case 'link':
        this.#links.seen(event.state);
        this.#emit({ type: 'link', link: linkProgress(event) });
        break;
      case 'status':
        this.#connection = event.status;
        this.#emit({ type: 'status', state: event.status, detail: undefined });
        break;
    }
  }

  /** Asked to join and not let in yet. */
  #joining(roomId: string): boolean {
    const state = this.#client?.rooms().find((room) => room.id === roomId)?.state;
    return state === 'waiting' || state === 'joining';
  }

  #queue(event: ViewEvent): void {
    const key = JSON.stringify(event);
    this.#queued.set(key, event);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setTimeout(() => {
      this.#flushScheduled = false;
      const events = [...this.#queued.values()];
      this.#queued.clear();
      for (const e of events) this.#emit(e);
    }, 0);
  }

  connection(): ConnectionState {
    return this.#connection;
  }
}

/**
 * The zxcvbn rule, imported on demand: its password lists would triple the worker, and only
 * choosing a passphrase needs them.
 */
async function strengthOf(): Promise<typeof import('../../protocol/crypto/passphrase-strength.js').passphraseStrength> {
  return (await import('../../protocol/crypto/passphrase-strength.js')).passphraseStrength;
}

/** Checked here, not only in the page: the worker is what writes the keystore. */
async function requireStrong(passphrase: string): Promise<void> {
  const strength = (await strengthOf())(passphrase);
  if (!strength.acceptable) throw new WorkerFailure('WEAK_PASSPHRASE', strength.advice);
}

/** A recovery key's failures in the page's words; nothing was written in any of them. */
async function recoveryFailure<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if (isSottoError(error, 'BAD_VALUE')) throw new WorkerFailure('BAD_RECOVERY_KEY');
    if (isSottoError(error, 'OPEN_FAILED')) throw new WorkerFailure('WRONG_RECOVERY_KEY');
    if (isSottoError(error, 'KEY_MISSING')) throw new WorkerFailure('NO_RECOVERY_KEY');
    throw error;
  }
}

// ——— parameter checks: the page is trusted less than the worker ———

function text(value: unknown): string {
  if (typeof value !== 'string') throw new WorkerFailure('BAD_REQUEST', 'expected text');
  return value;
}

function num(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new WorkerFailure('BAD_REQUEST', 'expected a number');
  return value;
}

function count(value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) throw new WorkerFailure('BAD_REQUEST', 'expected a positive count');
  return value as number;
}

function hex(value: unknown): string {
  if (typeof value !== 'string' || !/^[0-9a-f]{2,128}$/.test(value)) throw new WorkerFailure('BAD_REQUEST', 'expected a hex id');
  return value;
}


/** A history setting from the page, checked as the log will check it (V-93). */
function historySetting(value: unknown): HistorySetting {
  const v = value as { mode?: unknown; count?: unknown } | null;
  if (typeof v !== 'object' || v === null || (v.mode !== 'join' && v.mode !== 'last' && v.mode !== 'all') || !Number.isSafeInteger(v.count)) {
    throw new WorkerFailure('BAD_REQUEST', 'expected a history setting');
  }
  const setting: HistorySetting = { mode: v.mode, count: v.count as number };
  try {
    checkHistory(setting);
  } catch {
    throw new WorkerFailure('BAD_REQUEST', v.mode === 'last' ? 'the number of messages must be 1 to 10,000' : 'history setting');
  }
  return setting;
}
