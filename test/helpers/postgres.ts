// A private PostgreSQL for tests, from Debian's binaries (/usr/lib/postgresql/<version>/bin): its
// own cluster in a temp dir, trust auth, TCP on a free loopback port and its unix socket in the
// temp dir too, so the machine's own PostgreSQL is never touched. PostgreSQL refuses to run as
// root, so under root the cluster belongs to the `postgres` user (or `nobody`). It can be stopped and
// started again on the same port and data, for tests of what the relay does while it is away.
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort, missing, waitUntil } from './service-binary.js';

export interface PrivatePostgres {
  /** The server, as a URL with no database name. */
  readonly url: string;
  /** A new, empty database; returns its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server (fast shutdown: every connection is cut at once), keeping its data. */
  halt(): Promise<void>;
  /** Starts it again on the same port and data. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const USER = 'sotto';

/** Where Debian keeps the newest installed PostgreSQL's programs (initdb, pg_dump, pg_restore). */
export function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

/** uid and gid of the first of `names` in /etc/passwd. */
function unprivileged(...names: string[]): { uid: number; gid: number } {
  const entries = readFileSync('/etc/passwd', 'utf8').split('\n').map((line) => line.split(':'));
  for (const name of names) {
    const entry = entries.find((e) => e[0] === name);
    if (entry !== undefined) return { uid: Number(entry[2]), gid: Number(entry[3]) };
  }
  throw new Error(`running as root and none of ${names.join(', ')} exists to run PostgreSQL as`);
}

function run(command: string, args: string[], owner: { uid: number; gid: number } | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], ...owner, env: { ...process.env, LC_ALL: 'C' } });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}: ${stderr}`))));
  });
}

/** Starts a private server, or returns undefined (outside CI) when PostgreSQL is not installed. */
export async function startPostgres(): Promise<PrivatePostgres | undefined> {
  const bin = binDir();
  if (bin === undefined) return missing('PostgreSQL (Debian package postgresql)');
  const owner = process.getuid?.() === 0 ? unprivileged('postgres', 'nobody') : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'sotto-pg-'));
  if (owner !== undefined) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const port = await freePort();
  let server: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const url = `postgres://${USER}@127.0.0.1:${port}`;
  const query = async (sql: string): Promise<void> => {
    const client = new Client({ connectionString: `${url}/postgres` });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const start = async (): Promise<void> => {
    const child = spawn(join(bin, 'postgres'), [
      '-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1',
      // Durability is not under test here, speed is welcome.
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200',
    ], { stdio: 'ignore', ...owner });
    server = child;
    exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await waitUntil(async () => (await query('SELECT 1'), true), 20_000, 'PostgreSQL');
  };
  const halt = async (): Promise<void> => {
    server?.kill('SIGINT');
    await exited;
  };
  try {
    await run(join(bin, 'initdb'), ['-D', data, '-U', USER, '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions'], owner);
    await start();
    let databases = 0;
    return {
      url,
      async createDatabase() {
        const name = `test_${++databases}`;
        await query(`CREATE DATABASE ${name}`);
        return `${url}/${name}`;
      },
      halt,
      restart: start,
      async stop() {
        await halt();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    server?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
