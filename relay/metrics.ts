// Process-wide counters for /metrics (Prometheus text format) and /healthz. Labels are frame type
// names, error code names and store operation names only: nothing about who or which room.
import type { ErrorName } from '../protocol/errors.js';
import type { ClientFrameName } from '../protocol/wire/types.js';
import { Histogram } from './histogram.js';

export interface Gauges {
  readonly rooms: number;
  readonly members: number;
}

export class Metrics {
  connections = 0;
  sessionsBound = 0;
  messagesIn = 0;
  messagesOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  slowConsumersClosed = 0;
  readonly #requests = new Map<ClientFrameName, number>();
  readonly #errors = new Map<ErrorName, number>();
  readonly #upgradesRefused = new Map<string, number>();
  /** From a request's dispatch to its answer being queued (the store time included). */
  readonly requestSeconds = new Histogram('sotto_request_duration_seconds', 'Time to handle a client request, by frame type.', 'type');
  readonly storeSeconds = new Histogram('sotto_store_duration_seconds', 'Time a store operation took to commit or read, by operation.', 'op');

  request(type: ClientFrameName): void {
    this.#requests.set(type, (this.#requests.get(type) ?? 0) + 1);
  }

  error(name: ErrorName): void {
    this.#errors.set(name, (this.#errors.get(name) ?? 0) + 1);
  }

  /** `status` is the HTTP status line the upgrade was refused with, e.g. "429 Too Many Requests". */
  upgradeRefused(status: string): void {
    const code = status.slice(0, 3);
    this.#upgradesRefused.set(code, (this.#upgradesRefused.get(code) ?? 0) + 1);
  }

  health(gauges: Gauges): Record<string, number | string> {
    // rss lets an operator (and the abuse tests) see that floods do not grow the process.
    return { status: 'ok', connections: this.connections, sessionsBound: this.sessionsBound, rooms: gauges.rooms, rssBytes: process.memoryUsage.rss() };
  }

  render(gauges: Gauges): string {
    const out: string[] = [];
    const metric = (name: string, type: 'gauge' | 'counter', help: string, samples: [string, number][]): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) out.push(`${name}${labels} ${value}`);
    };
    metric('sotto_connections', 'gauge', 'Open WebSocket connections.', [['', this.connections]]);
    metric('sotto_sessions_bound', 'gauge', 'Session bindings to rooms.', [['', this.sessionsBound]]);
    metric('sotto_rooms', 'gauge', 'Rooms stored.', [['', gauges.rooms]]);
    metric('sotto_members', 'gauge', 'Room memberships stored.', [['', gauges.members]]);
    metric('sotto_messages_in_total', 'counter', 'Messages accepted from senders.', [['', this.messagesIn]]);
    metric('sotto_messages_out_total', 'counter', 'Message deliveries pushed to sessions.', [['', this.messagesOut]]);
    metric('sotto_bytes_in_total', 'counter', 'WebSocket payload bytes received.', [['', this.bytesIn]]);
    metric('sotto_bytes_out_total', 'counter', 'WebSocket payload bytes sent.', [['', this.bytesOut]]);
    metric('sotto_slow_consumers_closed_total', 'counter', 'Sockets closed for not reading fast enough.', [['', this.slowConsumersClosed]]);
    metric('sotto_requests_total', 'counter', 'Client requests by frame type.',
      [...this.#requests].map(([type, n]) => [`{type="${type}"}`, n]));
    metric('sotto_errors_total', 'counter', 'Error answers by code.',
      [...this.#errors].map(([code, n]) => [`{code="${code}"}`, n]));
    metric('sotto_upgrades_refused_total', 'counter', 'WebSocket upgrades refused, by HTTP status.',
      [...this.#upgradesRefused].map(([status, n]) => [`{status="${status}"}`, n]));
    out.push(...this.requestSeconds.render(), ...this.storeSeconds.render());
    metric('sotto_process_resident_memory_bytes', 'gauge', 'Resident set size of the relay process.', [['', process.memoryUsage.rss()]]);
    return `${out.join('\n')}\n`;
  }
}
