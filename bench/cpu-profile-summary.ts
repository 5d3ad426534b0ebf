// Reads a V8 .cpuprofile (node --cpu-prof) and answers "where does the time go": self time per
// function and per area of the code, from the sample timeline (samples + timeDeltas) rather than
// hitCount, because the intervals between samples are not uniform under load.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  readonly where: string;
  readonly percent: number;
}

export interface ProfileSummary {
  /** Profiled time, excluding (idle). */
  readonly busyMs: number;
  readonly idlePercent: number;
  readonly topFunctions: SelfTime[];
  readonly byArea: { readonly area: string; readonly percent: number }[];
}

function where(url: string, line: number): string {
  if (url === '') return '(native)';
  const path = url.replace(/^file:\/\//, '');
  const short = path.includes('/node_modules/') ? path.slice(path.lastIndexOf('/node_modules/') + 14) : path.replace(/^.*\/dist\//, '');
  return `${short}:${line + 1}`;
}

/** Buckets that answer "is it crypto, storage, sockets or our own code". */
function area(node: ProfileNode): string {
  const { functionName, url } = node.callFrame;
  if (functionName.startsWith('(')) return functionName;
  if (url.includes('better-sqlite3')) return 'better-sqlite3 (SQLite)';
  if (url.includes('/node_modules/ws/')) return 'ws library';
  if (url.includes('/noise/') || url.includes('node-noise-primitives') || url.startsWith('node:internal/crypto')) return 'Noise transport + node:crypto';
  if (url.includes('/relay/store/')) return 'relay store';
  if (url.includes('/relay/')) return 'relay (other)';
  if (url.includes('/protocol/wire/')) return 'wire codec';
  if (url.includes('/protocol/')) return 'protocol (other)';
  if (url.startsWith('node:internal/stream') || url.startsWith('node:net') || url.startsWith('node:internal/net')) return 'node streams/net';
  if (url.startsWith('node:')) return 'node (other)';
  if (url === '') return 'native (unattributed)';
  return 'other';
}

/**
 * `window` (ms since the profile started) keeps only the samples inside it, so start-up and the
 * connection handshakes do not dilute the steady state.
 */
export function summariseCpuProfile(path: string, window?: { fromMs: number; toMs: number }, top = 20): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let atUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    atUs += delta;
    if (window !== undefined && (atUs < window.fromMs * 1000 || atUs > window.toMs * 1000)) continue;
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  }
  let total = 0;
  let idle = 0;
  const functions = new Map<string, { name: string; where: string; us: number }>();
  const areas = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    total += us;
    if (node.callFrame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const name = node.callFrame.functionName || '(anonymous)';
    const at = where(node.callFrame.url, node.callFrame.lineNumber);
    const key = `${name}@${at}`;
    const entry = functions.get(key) ?? { name, where: at, us: 0 };
    entry.us += us;
    functions.set(key, entry);
    areas.set(area(node), (areas.get(area(node)) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (us: number): number => (busy > 0 ? (us / busy) * 100 : 0);
  return {
    busyMs: busy / 1000,
    idlePercent: total > 0 ? (idle / total) * 100 : 0,
    topFunctions: [...functions.values()].sort((a, b) => b.us - a.us).slice(0, top).map((f) => ({ name: f.name, where: f.where, percent: pct(f.us) })),
    byArea: [...areas.entries()].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ area: name, percent: pct(us) })),
  };
}
