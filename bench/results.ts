// Everything one bench run measured, as saved to <out>/<mode>/results.json and read by the report.
import type { BenchOptions } from './bench-options.js';
import type { CommitLatency } from './commit-latency.js';
import type { BrowserClientCosts } from './browser-client-costs.js';
import type { RoomOpenResult } from './browser-room-open.js';
import type { KeystoreSaveResult } from './keystore-save.js';
import type { BrowserKeystoreSaves } from './browser-keystore-save.js';
import type { CatchUpPoint } from './catch-up-growth.js';
import type { CostSummary } from './client-costs.js';
import type { DeviceLinkRound } from './device-link-speed.js';
import type { FanoutRun } from './fanout-suite.js';
import type { MemoryRun } from './idle-memory.js';
import type { MachineInfo } from './machine.js';
import type { RelayProfile } from './relay-profile.js';

export interface BenchResults {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly command: string;
  readonly machine: MachineInfo;
  readonly options: BenchOptions;
  readonly fanout?: FanoutRun;
  readonly commit?: CommitLatency;
  readonly memory?: MemoryRun[][];
  readonly clientCosts?: CostSummary[];
  readonly browserClientCosts?: BrowserClientCosts;
  /** Two per round, in the order run: the web app opening a plain and an annotated 10,000-message room in Chromium. */
  readonly roomOpen?: RoomOpenResult[];
  /** One per history size: saving one message, records against the whole snapshot. */
  readonly keystoreSaves?: KeystoreSaveResult[];
  /** The same in Chromium's IndexedDB, as the web app saves. */
  readonly keystoreSavesChromium?: BrowserKeystoreSaves;
  /** A Node client's catch-up per suite and history length. */
  readonly catchUpGrowth?: CatchUpPoint[];
  /** One per round: a new device linked to the existing one's rooms and history. */
  readonly deviceLinks?: DeviceLinkRound[];
  /** Sections that threw and failed cases, each named; the others still ran. Any fails the run. */
  readonly failures?: string[];
  readonly loadAverageAtEnd?: number[];
  readonly profiles?: RelayProfile[];
}
