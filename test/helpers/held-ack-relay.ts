// A relay process started as relay/main.js starts it, with one fault injected for the kill -9 test
// of docs/protocol.md §9 (test/e2e/push-before-ack.test.ts): once it gets SIGUSR2, every send's
// store call is held after the store's early notice — the messages are committed and pushed to the
// room — and never answered, so no acknowledgement ever leaves. The test then kills the process.
//
// Production cannot reach this: the hook is a Store wrapper that exists only here, under test/.
// Nothing under relay/ imports test/ (a house rule, test/lint/house-rules.test.ts); the shipped bin,
// dist/relay/main.js, has no option, flag, signal or environment variable for it and does not
// listen for SIGUSR2; the package's "files" ship dist/relay, never dist/test.
import { join } from 'node:path';
import { toBase64Url } from '../../protocol/bytes.js';
import { parseConfig } from '../../relay/config.js';
import { DATABASE_FILE } from '../../relay/data-dir.js';
import { createLogger } from '../../relay/log.js';
import { startRelay } from '../../relay/server.js';
import type { AppendOutcome, NewMessage, Store } from '../../relay/store/store.js';
import { ThreadedStore } from '../../relay/store/threaded-store.js';
import { HELD_ACK_LINE, HOLDING_LINE } from './held-ack-lines.js';


function line(msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ msg, ...fields })}\n`);
}

const parsed = parseConfig(process.argv.slice(2), process.env);
if (parsed.kind !== 'config') throw new Error('held-ack-relay takes the relay\'s options');
const config = parsed.config;
const inner = await ThreadedStore.open({
  path: join(config.dataDir, DATABASE_FILE), synchronous: config.sqliteSynchronous, maxHistoryPerRoom: config.maxHistoryPerRoom,
});
let holding = false;
process.on('SIGUSR2', () => {
  holding = true;
  line(HOLDING_LINE);
});

/**
 * The relay pushes on the store's early notice, or on its answer when no notice came first (one
 * held behind an earlier read may not); this gives the handler that first moment as its notice and
 * never answers, so the push goes out and the ack never does.
 */
function heldAppend(messages: readonly NewMessage[], onStored?: (outcomes: AppendOutcome[]) => void): Promise<AppendOutcome[]> {
  if (!holding) return inner.appendMessages(messages, onStored);
  let told = false;
  const tell = (outcomes: AppendOutcome[]): void => {
    if (told) return;
    told = true;
    onStored?.(outcomes);
    line(HELD_ACK_LINE, { seqs: outcomes.map((o) => (o.ok ? o.seq : null)) });
  };
  return new Promise(() => {
    void inner.appendMessages(messages, tell).then(tell);
  });
}

const store = new Proxy(inner, {
  get(target, property, receiver): unknown {
    if (property === 'appendMessages') return heldAppend;
    const value: unknown = Reflect.get(target, property, receiver);
    return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
  },
}) satisfies Store;

const relay = await startRelay(config, { log: createLogger(config.logLevel), store });
// The line test/helpers/relay-process.ts waits for, as relay/main.js writes it.
line('relay listening', { port: relay.port, relayPublicKey: toBase64Url(relay.publicKey) });
