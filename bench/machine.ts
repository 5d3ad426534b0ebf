// The machine a run was on, for the doc: results mean little without it.
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

export interface MachineInfo {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  /** 1-minute load average when the run started: above ~0 means something else was running. */
  readonly loadAverageAtStart: number;
  readonly fdLimit: string;
}

function fdLimit(): string {
  try {
    const limits = readFileSync('/proc/self/limits', 'latin1');
    const line = limits.split('\n').find((l) => l.startsWith('Max open files'));
    const [soft, hard] = line?.split(/\s{2,}/).slice(1, 3) ?? [];
    return `${soft} soft / ${hard} hard`;
  } catch {
    return 'unknown';
  }
}

export function machineInfo(): MachineInfo {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    model = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'latin1'))?.[1] ?? model;
  } catch {
    // not Linux: os.cpus() is the best we have
  }
  return {
    nproc: cpus().length, cpuModel: model, memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10, node: process.version,
    loadAverageAtStart: loadavg()[0]!, fdLimit: fdLimit(),
  };
}
