// npm run bench:attachments [-- --runs 3]: how fast a file goes through Sotto (docs/protocol.md
// §9.2). The relay runs as deployed (node dist/relay/main.js, SQLite at synchronous=FULL, a fresh
// data directory); two headless clients in this process share a room. Upload is timed from
// sendAttachment's call to the acknowledgement of the message carrying the reference (sealing,
// every chunk stored, the message stored); download from fetchAttachment's call to its verified,
// opened bytes. Needs a build (npm run build). Prints a table and one JSON line;
// docs/performance.md records it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHeadlessClient } from '../client/headless.js';
import { bytesEqual } from '../protocol/bytes.js';
import type { SottoClient } from '../protocol/client/client.js';
import { randomBytes } from '../protocol/crypto/random.js';
import { parseCommandLine, UsageError } from '../protocol/platform/command-line.js';
import { nowMs } from './clock.js';
import { machineInfo } from './machine.js';
import { startRelayProcess } from './relay-launcher.js';
import { median } from './stats.js';

const MiB = 1024 * 1024;
const SIZES: readonly number[] = [MiB, 20 * MiB];

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Alice's room with Bob admitted, both online. */
async function twoPeople(url: string): Promise<{ alice: SottoClient; bob: SottoClient; roomId: string }> {
  const alice = await openHeadlessClient({ url });
  const bob = await openHeadlessClient({ url });
  await Promise.all([alice.whenOnline(60_000), bob.whenOnline(60_000)]);
  const roomId = await alice.createRoom('Bench', 'Alice');
  const { link } = await alice.createInvite(roomId);
  await bob.join(link, 'Bob');
  await until(() => bob.rooms().find((r) => r.roomId === roomId)?.status === 'member', 'Bob admitted');
  return { alice, bob, roomId };
}

async function main(): Promise<void> {
  const { values } = parseCommandLine(process.argv.slice(2), { runs: { type: 'string', default: '3' } });
  const runs = Number(values.runs);
  if (!Number.isSafeInteger(runs) || runs < 1 || runs > 20) throw new UsageError('--runs must be 1–20');
  const dir = mkdtempSync(join(tmpdir(), 'sotto-bench-attachments-'));
  const relay = await startRelayProcess({ dataDir: dir, synchronous: 'FULL' });
  const people = await twoPeople(`http://127.0.0.1:${relay.port}`);
  const results: Record<string, { uploadMiBps: number; downloadMiBps: number; uploadMs: number; downloadMs: number; runs: number }> = {};
  try {
    for (const size of SIZES) {
      const up: number[] = [];
      const down: number[] = [];
      for (let run = 0; run < runs; run++) {
        const file = randomBytes(size);
        let started = nowMs();
        await people.alice.sendAttachment(people.roomId, { bytes: file, name: `bench-${run}.bin`, mediaType: 'application/octet-stream' });
        up.push(nowMs() - started);
        await until(() => people.bob.messages(people.roomId).some((m) => m.attachment?.name === `bench-${run}.bin` && m.attachment.size === size), 'Bob receives the reference');
        const attachment = people.bob.messages(people.roomId).filter((m) => m.attachment?.name === `bench-${run}.bin`).at(-1)!.attachment!;
        started = nowMs();
        const got = await people.bob.fetchAttachment(people.roomId, attachment);
        down.push(nowMs() - started);
        if (!bytesEqual(got, file)) throw new Error('the downloaded file differs');
      }
      const uploadMs = median(up);
      const downloadMs = median(down);
      results[`${size / MiB} MiB`] = { uploadMs, downloadMs, uploadMiBps: size / MiB / (uploadMs / 1000), downloadMiBps: size / MiB / (downloadMs / 1000), runs };
    }
  } finally {
    await Promise.all([people.alice.close(), people.bob.close()]);
    await relay.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const machine = machineInfo();
  process.stdout.write('| file | upload (median) | download (median) | runs |\n|---|---|---|---|\n');
  for (const [name, r] of Object.entries(results)) {
    process.stdout.write(`| ${name} | ${r.uploadMs.toFixed(0)} ms (${r.uploadMiBps.toFixed(1)} MiB/s) | ${r.downloadMs.toFixed(0)} ms (${r.downloadMiBps.toFixed(1)} MiB/s) | ${r.runs} |\n`);
  }
  process.stdout.write(`${JSON.stringify({ attachments: results, nproc: machine.nproc, load: machine.loadAverageAtStart })}\n`);
}

main().catch((error: unknown) => {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`bench:attachments: ${error.message}\n`);
  process.exitCode = 2;
});
