// A SottoClient for Node: `ws` sockets, node:crypto for Noise, the best signature suite, and an
// encrypted snapshot file (or nothing on disk at all without a data directory).
import { SottoClient } from '../protocol/client/client.js';
import type { ClientListener } from '../protocol/client/client-events.js';
import type { KdfParams } from '../protocol/crypto/passphrase.js';
import { detectSuite } from '../protocol/crypto/select-suite.js';
import { SottoError } from '../protocol/errors.js';
import { nodePrimitives } from '../protocol/platform/node-noise-primitives.js';
import { FilePersistence } from './file-persistence.js';
import { openNodeSocket } from './node-socket.js';
import { resolveRelay } from './relay-key.js';

export interface HeadlessOptions {
  /** The relay's base URL (http(s) or ws(s)); a function is asked again on every reconnect. */
  readonly url: string | (() => string);
  /** base64url; fetched from the relay's /config.json when absent. */
  readonly relayPublicKey?: string;
  /** Where the encrypted snapshot lives; undefined keeps everything in memory. */
  readonly dataDir?: string;
  readonly passphrase?: string;
  readonly kdfParams?: KdfParams;
  readonly onEvent?: ClientListener;
  readonly requestTimeoutMs?: number;
}

export async function openHeadlessClient(options: HeadlessOptions): Promise<SottoClient> {
  if (options.dataDir !== undefined && options.passphrase === undefined) {
    throw new SottoError('BAD_VALUE', 'a data directory needs a passphrase');
  }
  const url = typeof options.url === 'string' ? (): string => options.url as string : options.url;
  return SottoClient.open({
    suite: await detectSuite(),
    primitives: nodePrimitives,
    connect: async () => {
      const relay = await resolveRelay(url(), options.relayPublicKey);
      return { socket: openNodeSocket(relay.wsUrl), relayPublicKey: relay.publicKey };
    },
    ...(options.dataDir === undefined ? {} : { persistence: new FilePersistence(options.dataDir, options.passphrase!, options.kdfParams) }),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
  });
}
