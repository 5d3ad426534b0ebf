// The relay's static Noise key: pinned by the user, or read from the relay's /config.json. The
// fetched key is only as trustworthy as the connection it came over; pin it where that matters.
import { fromBase64Url } from '../protocol/bytes.js';
import { SottoError } from '../protocol/errors.js';

export interface RelayEndpoints {
  /** ws(s)://host/ws */
  readonly wsUrl: string;
  /** The relay's static X25519 public key. */
  readonly publicKey: Uint8Array;
}

function parseKey(text: string): Uint8Array {
  let key: Uint8Array;
  try {
    key = fromBase64Url(text);
  } catch {
    throw new SottoError('BAD_KEY', 'relay key is not base64url');
  }
  if (key.length !== 32) throw new SottoError('BAD_KEY', 'relay key must be 32 bytes');
  return key;
}

/** Accepts the relay's base URL in http(s) or ws(s) form; fetches /config.json unless a key is pinned. */
export async function resolveRelay(url: string, pinnedKey?: string): Promise<RelayEndpoints> {
  const base = new URL(url);
  if (base.protocol === 'ws:') base.protocol = 'http:';
  else if (base.protocol === 'wss:') base.protocol = 'https:';
  let wsPath = '/ws';
  let key: Uint8Array;
  if (pinnedKey !== undefined) key = parseKey(pinnedKey);
  else {
    const response = await fetch(new URL('/config.json', base));
    if (!response.ok) throw new SottoError('UNAVAILABLE', `GET /config.json answered ${response.status}`);
    const config = (await response.json()) as { relayPublicKey?: unknown; wsPath?: unknown };
    if (typeof config.relayPublicKey !== 'string') throw new SottoError('BAD_KEY', 'config.json has no relayPublicKey');
    key = parseKey(config.relayPublicKey);
    if (typeof config.wsPath === 'string' && config.wsPath.startsWith('/')) wsPath = config.wsPath;
  }
  const ws = new URL(wsPath, base);
  ws.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  return { wsUrl: ws.toString(), publicKey: key };
}
