// Process-wide counters for /metrics (Prometheus text format) and /healthz. Labels are frame type
// names and error code names only: nothing about who or which room.
import type { ErrorName } from '../protocol/errors.js';
import type { ClientFrameName } from '../protocol/wire/types.js';

export interface Gauges {
  readonly rooms: number;
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

  request(type: ClientFrameName): void {
    this.#requests.set(type, (this.#requests.get(type) ?? 0) + 1);
  }

  error(name: ErrorName): void {
    this.#errors.set(name, (this.#errors.get(name) ?? 0) + 1);
  }

  health(gauges: Gauges): Record<string, number | string> {
    return { status: 'ok', connections: this.connections, sessionsBound: this.sessionsBound, rooms: gauges.rooms };
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
    metric('sotto_messages_in_total', 'counter', 'Messages accepted from senders.', [['', this.messagesIn]]);
    metric('sotto_messages_out_total', 'counter', 'Message deliveries pushed to sessions.', [['', this.messagesOut]]);
    metric('sotto_bytes_in_total', 'counter', 'WebSocket payload bytes received.', [['', this.bytesIn]]);
    metric('sotto_bytes_out_total', 'counter', 'WebSocket payload bytes sent.', [['', this.bytesOut]]);
    metric('sotto_slow_consumers_closed_total', 'counter', 'Sockets closed for not reading fast enough.', [['', this.slowConsumersClosed]]);
    metric('sotto_requests_total', 'counter', 'Client requests by frame type.',
      [...this.#requests].map(([type, n]) => [`{type="${type}"}`, n]));
    metric('sotto_errors_total', 'counter', 'Error answers by code.',
      [...this.#errors].map(([code, n]) => [`{code="${code}"}`, n]));
    return `${out.join('\n')}\n`;
  }
}
