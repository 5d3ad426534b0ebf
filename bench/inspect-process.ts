// Reaches into another Node process through its inspector, opened on demand with SIGUSR1 (what
// `node inspect -p <pid>` does), so the process under test runs unmodified and every system — the
// relay, its workers, the ws baselines — is treated alike. One process at a time: the inspector
// opened this way listens on the one default port, and is closed again before the next.
import { get } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';

const INSPECTOR_PORT = 9229;
const OPEN_TIMEOUT_MS = 10_000;

interface Reply {
  readonly id?: number;
  readonly result?: { readonly result?: { readonly value?: unknown } };
  readonly error?: { readonly message: string };
}

/** GET on the inspector's HTTP port, on a connection of its own (a kept-alive one can outlive the inspector). */
function inspectorGet(path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port: INSPECTOR_PORT, path, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch (error) {
          reject(error as Error);
        }
      });
    }).on('error', reject);
  });
}

async function debuggerUrl(deadline: number): Promise<string> {
  for (;;) {
    try {
      const targets = (await inspectorGet('/json/list')) as { webSocketDebuggerUrl: string }[];
      if (targets[0] !== undefined) return targets[0].webSocketDebuggerUrl;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`no inspector on port ${INSPECTOR_PORT}`);
    await sleep(50);
  }
}

function portTaken(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(INSPECTOR_PORT, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    }).once('error', () => resolve(false));
  });
}

async function portFree(deadline: number): Promise<void> {
  while (await portTaken()) {
    if (Date.now() > deadline) throw new Error(`port ${INSPECTOR_PORT} still taken`);
    await sleep(50);
  }
}

/** Runs `methods` in order over one inspector session of process `pid`, then closes its inspector. */
async function inspect(pid: number, methods: readonly string[]): Promise<void> {
  const deadline = Date.now() + OPEN_TIMEOUT_MS;
  await portFree(deadline);
  process.kill(pid, 'SIGUSR1');
  const socket = new WebSocket(await debuggerUrl(deadline));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const waiting = new Map<number, (reply: Reply) => void>();
  socket.on('message', (data: Buffer) => {
    const reply = JSON.parse(data.toString()) as Reply;
    if (reply.id !== undefined) waiting.get(reply.id)?.(reply);
  });
  let nextId = 1;
  const call = (method: string, params: object = {}): Promise<Reply> => new Promise((resolve, reject) => {
    const id = nextId++;
    waiting.set(id, (reply) => (reply.error === undefined ? resolve(reply) : reject(new Error(`${method}: ${reply.error.message}`))));
    socket.send(JSON.stringify({ id, method, params }));
  });
  try {
    // Another process holding the port would answer in its stead.
    const answered = await call('Runtime.evaluate', { expression: 'process.pid', returnByValue: true });
    if (answered.result?.result?.value !== pid) throw new Error(`the inspector on port ${INSPECTOR_PORT} is not process ${pid}'s`);
    for (const method of methods) await call(method);
    // Closed once this session has gone, so the port is free for the next process.
    await call('Runtime.evaluate', { expression: 'setTimeout(() => process._debugEnd(), 100), 0' });
  } finally {
    socket.close();
  }
  await portFree(Date.now() + OPEN_TIMEOUT_MS);
}

/** A full garbage collection in process `pid` that returns what it can to the system (V8's low-memory notification). */
export function collectGarbage(pid: number): Promise<void> {
  return inspect(pid, ['HeapProfiler.collectGarbage']);
}
