// An invite link opened in a new tab while another tab runs on the stored keystore. Only one tab may
// (Session holds a Web Lock for it), so the new tab would ask for the passphrase only to be refused.
// Instead it hands the link to the worker holding the lock, whose page opens its join page. A
// BroadcastChannel reaches exactly the tabs of this origin, the same ones that share the lock.

export const KEYSTORE_LOCK = 'sotto-keystore';

const CHANNEL = 'sotto-invite';
/** The holder answers at once; silence means it is gone (closed between the query and now). */
const ANSWER_MS = 2_000;
const MAX_PAYLOAD = 512;

interface Offer {
  readonly kind: 'invite';
  readonly id: string;
  readonly payload: string;
}

interface Taken {
  readonly kind: 'taken';
  readonly id: string;
}

function isOffer(data: unknown): data is Offer {
  const m = data as Partial<Offer> | null;
  return typeof m === 'object' && m !== null && m.kind === 'invite' && typeof m.id === 'string'
    && typeof m.payload === 'string' && m.payload.length <= MAX_PAYLOAD;
}

function isTaken(data: unknown, id: string): boolean {
  const m = data as Partial<Taken> | null;
  return typeof m === 'object' && m !== null && m.kind === 'taken' && m.id === id;
}

function lockManager(): LockManager | undefined {
  return (globalThis.navigator as Navigator & { locks?: LockManager }).locks;
}

/** Page side: whether a tab holding the keystore took the link. */
export async function offerInvite(payload: string): Promise<boolean> {
  const locks = lockManager();
  if (locks === undefined || typeof BroadcastChannel === 'undefined') return false;
  const { held = [] } = await locks.query();
  if (!held.some((lock) => lock.name === KEYSTORE_LOCK)) return false;
  const channel = new BroadcastChannel(CHANNEL);
  const id = crypto.randomUUID();
  try {
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ANSWER_MS);
      channel.onmessage = (event: MessageEvent<unknown>) => {
        if (!isTaken(event.data, id)) return;
        clearTimeout(timer);
        resolve(true);
      };
      const offer: Offer = { kind: 'invite', id, payload };
      channel.postMessage(offer);
    });
  } finally {
    channel.close();
  }
}

/** Worker side, from the moment this worker holds the keystore lock until it ends. */
export function acceptInvites(onInvite: (payload: string) => void): void {
  const channel = new BroadcastChannel(CHANNEL);
  channel.onmessage = (event: MessageEvent<unknown>) => {
    if (!isOffer(event.data)) return;
    onInvite(event.data.payload);
    const taken: Taken = { kind: 'taken', id: event.data.id };
    channel.postMessage(taken);
  };
}
