// CPU and memory of another process, read from /proc so the process under test runs unmodified.
import { readdirSync, readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc reports CPU time in these ticks. It is 100 on every mainstream build. */
const TICKS_PER_SECOND = 100;

/** User + system CPU time the process has used so far, in milliseconds. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // The command name (field 2) may hold spaces; everything after its closing paren is fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/**
 * Time the process's main thread has spent runnable but waiting for a CPU, in milliseconds
 * (the second field of schedstat): on a machine shared with the load generators, the part of a
 * server's latency that is queueing for a core rather than work. NaN where the kernel keeps no
 * schedstat.
 */
export function mainThreadWaitMs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'latin1').split(' ')[1]) / 1e6;
  } catch {
    return Number.NaN;
  }
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (match === null) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** Time between two readings of cpuMs or mainThreadWaitMs as a percentage of `wallMs` (of one core). */
export function cpuPercent(startMs: number, endMs: number, wallMs: number): number {
  return wallMs <= 0 ? 0 : ((endMs - startMs) / wallMs) * 100;
}

/** `pid` and every process below it (a relay's workers, a cluster baseline's). */
export function treePids(pid: number): number[] {
  const pids = [pid];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'latin1').trim();
    if (children !== '') for (const child of children.split(' ')) pids.push(...treePids(Number(child)));
  }
  return pids;
}

/** Resident set size of `pid` and every process below it. */
export function treeRssBytes(pid: number): number {
  return treePids(pid).reduce((total, p) => total + rssBytes(p), 0);
}
