import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { cutSilentConnections } from '../../relay/silent-connections.js';

const TIMEOUT_MS = 300;

async function listening(): Promise<{ server: Server; port: number; accepted: WeakRef<Socket>[] }> {
  const server = createServer((_request, response) => response.end('ok'));
  cutSilentConnections(server, TIMEOUT_MS);
  const accepted: WeakRef<Socket>[] = [];
  server.on('connection', (socket: Socket) => accepted.push(new WeakRef(socket)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, accepted };
}

function connected(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('a connection that sends no request is cut after the timeout', async () => {
  const { server, port } = await listening();
  try {
    const socket = await connected(port);
    const started = Date.now();
    await new Promise((resolve) => socket.once('close', resolve));
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= TIMEOUT_MS - 50 && elapsed < TIMEOUT_MS + 1000, `cut after ${elapsed} ms`);
  } finally {
    server.close();
  }
});

test('a connection closed before its first request is not held by its timer', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const { server, port, accepted } = await listening();
  try {
    const sockets = await Promise.all(Array.from({ length: 10 }, () => connected(port)));
    await sleep(50);
    for (const socket of sockets) socket.destroy();
    await sleep(100);
    gc();
    await sleep(10);
    gc();
    assert.is(accepted.length, 10);
    // Well before the timers would fire: only a timer still pending could keep these alive.
    assert.is(accepted.filter((ref) => ref.deref() !== undefined).length, 0, 'closed server sockets were collected');
  } finally {
    server.close();
  }
});

test.run();
