// Where the relay's time goes under the headline load: one 100×10 session with the relay started
// under node --cpu-prof; V8 writes the profile when the relay exits on SIGTERM.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summariseCpuProfile, type ProfileSummary } from './cpu-profile-summary.js';
import { runFanoutSession, type FanoutStep } from './fanout-session.js';
import type { SqliteSynchronous } from './relay-launcher.js';
import type { Shape, SottoRoomPlan } from './sotto-rooms.js';

/** Past its limit (synchronous=FULL on a slow disk) the relay works off its queue before exiting. */
const PROFILED_STOP_TIMEOUT_MS = 180_000;

export interface RelayProfile {
  readonly shape: Shape;
  readonly offered: number;
  readonly synchronous: SqliteSynchronous;
  readonly step: FanoutStep;
  readonly summary: ProfileSummary;
}

export async function profileRelay(
  shape: Shape, template: { dir: string; plans: SottoRoomPlan[] }, offered: number, measureMs: number, generators: number, payloadBytes: number,
  synchronous: SqliteSynchronous,
): Promise<RelayProfile> {
  const profileDir = mkdtempSync(join(tmpdir(), 'sotto-bench-profile-'));
  try {
    const result = await runFanoutSession({
      system: 'sotto', shape, offeredDeliveries: [offered], generators, payloadBytes,
      timing: { warmupMs: 1000, measureMs, drainMs: 500 },
      sotto: { templateDir: template.dir, plans: template.plans, synchronous, nodeFlags: ['--cpu-prof', '--cpu-prof-dir', profileDir], stopTimeoutMs: PROFILED_STOP_TIMEOUT_MS },
    });
    const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
    // V8 writes the profile only on a normal exit; a relay that had to be killed leaves none.
    if (file === undefined) throw new Error('the relay wrote no CPU profile (did it exit on SIGTERM?)');
    // The profile's clock starts with the process, within a few ms of the spawn.
    const step = result.steps[0]!;
    const window = { fromMs: step.windowStart - result.serverSpawnedAt, toMs: step.windowEnd - result.serverSpawnedAt };
    return { shape, offered, synchronous, step, summary: summariseCpuProfile(join(profileDir, file), window) };
  } finally {
    rmSync(profileDir, { recursive: true, force: true });
  }
}
