// The machine a run was on, for the doc: results mean little without it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';

export interface MachineInfo {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  /** 1-, 5- and 15-minute load averages when the run started: above ~0 means something else was running. */
  readonly loadAverageAtStart: number[];
  readonly fdLimit: string;
  /** The file system (type, device, mount) under the temporary directory every data directory is made in. */
  readonly dataDirFileSystem: string;
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

/** `df --output=fstype,source,target` of the directory: a relay's fsyncs cost what that disk makes them. */
function fileSystemOf(dir: string): string {
  try {
    const [, row] = execFileSync('df', ['--output=fstype,source,target', dir], { encoding: 'utf8' }).trim().split('\n');
    const [type, source, target] = row!.trim().split(/\s+/);
    return `${type} (${source} on ${target}, ${dir})`;
  } catch {
    return `unknown (${dir})`;
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
    loadAverageAtStart: loadavg(), fdLimit: fdLimit(), dataDirFileSystem: fileSystemOf(tmpdir()),
  };
}
