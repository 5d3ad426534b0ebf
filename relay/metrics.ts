// Process-wide counters for /metrics and /healthz, exposed through prom-client (one registry per
// relay, so several relays in one process — the tests — keep theirs apart). Labels are frame type
// names, error code names, HTTP statuses and store operation names only: nothing about who or which
// room. The hot-path counters are plain fields that prom-client reads when scraped, so a delivered
// message costs an increment, not a label lookup.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ErrorName } from '../protocol/errors.js';
import type { ClientFrameName } from '../protocol/wire/types.js';
import type { QuotaName } from './quota-refusal.js';

export interface Gauges {
  readonly rooms: number;
  readonly members: number;
}

/** Seconds, from sub-millisecond SQLite reads to multi-second stalls. */
const LATENCY_BUCKETS: number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export class Metrics {
  connections = 0;
  sessionsBound = 0;
  messagesIn = 0;
  messagesOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  slowConsumersClosed = 0;
  readonly registry = new Registry();
  /** Set just before each scrape: counting rooms is a store query, not something to keep live. */
  #gauges: Gauges = { rooms: 0, members: 0 };
  readonly #requests: Counter<'type'>;
  readonly #errors: Counter<'code'>;
  readonly #upgradesRefused: Counter<'status'>;
  readonly #quotas: Counter<'quota'>;
  /** From a request's dispatch to its answer being queued (the store time included). */
  readonly requestSeconds: Histogram<'type'>;
  readonly storeSeconds: Histogram<'op'>;

  constructor() {
    const registers = [this.registry];
    const gauge = (name: string, help: string, read: () => number): void => {
      new Gauge({ name, help, registers, collect() { this.set(read()); } });
    };
    const counter = (name: string, help: string, read: () => number): void => {
      new Counter({ name, help, registers, collect() { this.reset(); this.inc(read()); } });
    };
    gauge('sotto_connections', 'Open WebSocket connections.', () => this.connections);
    gauge('sotto_sessions_bound', 'Session bindings to rooms.', () => this.sessionsBound);
    gauge('sotto_rooms', 'Rooms stored.', () => this.#gauges.rooms);
    gauge('sotto_members', 'Room memberships stored.', () => this.#gauges.members);
    counter('sotto_messages_in_total', 'Messages accepted from senders.', () => this.messagesIn);
    counter('sotto_messages_out_total', 'Message deliveries pushed to sessions.', () => this.messagesOut);
    counter('sotto_bytes_in_total', 'WebSocket payload bytes received.', () => this.bytesIn);
    counter('sotto_bytes_out_total', 'WebSocket payload bytes sent.', () => this.bytesOut);
    counter('sotto_slow_consumers_closed_total', 'Sockets closed for not reading fast enough.', () => this.slowConsumersClosed);
    this.#requests = new Counter({ name: 'sotto_requests_total', help: 'Client requests by frame type.', labelNames: ['type'], registers });
    this.#errors = new Counter({ name: 'sotto_errors_total', help: 'Error answers by code.', labelNames: ['code'], registers });
    this.#upgradesRefused = new Counter({
      name: 'sotto_upgrades_refused_total', help: 'WebSocket upgrades refused, by HTTP status.', labelNames: ['status'], registers,
    });
    this.#quotas = new Counter({
      name: 'sotto_quota_rejections_total', help: 'Requests refused by a quota (sync-bytes: answers held back to the pace), by quota.', labelNames: ['quota'], registers,
    });
    this.requestSeconds = new Histogram({
      name: 'sotto_request_duration_seconds', help: 'Time to handle a client request, by frame type.', labelNames: ['type'], buckets: LATENCY_BUCKETS, registers,
    });
    this.storeSeconds = new Histogram({
      name: 'sotto_store_duration_seconds', help: 'Time a store operation took to commit or read, by operation.', labelNames: ['op'], buckets: LATENCY_BUCKETS, registers,
    });
    gauge('sotto_process_resident_memory_bytes', 'Resident set size of the relay process.', () => process.memoryUsage.rss());
  }

  request(type: ClientFrameName): void {
    this.#requests.inc({ type });
  }

  error(name: ErrorName): void {
    this.#errors.inc({ code: name });
  }

  quotaReached(quota: QuotaName): void {
    this.#quotas.inc({ quota });
  }

  /** `status` is the HTTP status line the upgrade was refused with, e.g. "429 Too Many Requests". */
  upgradeRefused(status: string): void {
    this.#upgradesRefused.inc({ status: status.slice(0, 3) });
  }

  health(gauges: Gauges): Record<string, number | string> {
    // rss lets an operator (and the abuse tests) see that floods do not grow the process.
    return { status: 'ok', connections: this.connections, sessionsBound: this.sessionsBound, rooms: gauges.rooms, rssBytes: process.memoryUsage.rss() };
  }

  /** The exposition text, in the registry's content type (`contentType`). */
  async render(gauges: Gauges): Promise<string> {
    this.#gauges = gauges;
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
