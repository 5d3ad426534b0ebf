// A private Redis for tests: redis-server on a free loopback port, nothing saved, its dir a temp
// dir, so the machine's own Redis is never touched. It can be stopped and started again on the same
// port, for tests of what the relay does while Redis is away.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { freePort, missing, waitUntil } from './service-binary.js';

export interface PrivateRedis {
  readonly url: string;
  /** Kills the server (SIGKILL): connections drop, pub/sub messages in flight are lost. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('error', () => resolve(false));
    socket.once('data', (data) => {
      resolve(data.toString().startsWith('+PONG'));
      socket.destroy();
    });
    socket.once('connect', () => socket.write('PING\r\n'));
  });
}

export async function startRedis(): Promise<PrivateRedis | undefined> {
  if (spawnSync('redis-server', ['--version']).error !== undefined) return missing('Redis (Debian package redis-server)');
  const dir = mkdtempSync(join(tmpdir(), 'sotto-redis-'));
  const port = await freePort();
  let server: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const start = async (): Promise<void> => {
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    const child = server;
    exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await waitUntil(() => answersPing(port), 10_000, 'Redis');
  };
  const kill = async (): Promise<void> => {
    server?.kill('SIGKILL');
    await exited;
  };
  try {
    await start();
  } catch (error) {
    await kill();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    kill,
    restart: start,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
