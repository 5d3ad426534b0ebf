// /metrics on a listener of its own (--metrics-port, bound to --metrics-host, 127.0.0.1 by default):
// the counts say how busy the relay is and when, which is nobody's business but the operator's, so
// they are not on the public port at all rather than on it behind a rule a proxy might not copy.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './log.js';
import type { Gauges, Metrics } from './metrics.js';

export interface MetricsListener {
  readonly port: number;
  close(): Promise<void>;
}

export async function startMetricsListener(
  host: string, port: number, metrics: Metrics, gauges: () => Promise<Gauges>, log: Logger,
): Promise<MetricsListener> {
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://metrics.invalid').pathname;
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    gauges().then((values) => metrics.render(values)).then(
      (text) => {
        response.writeHead(200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        log.error('metrics request failed', { error: error instanceof Error ? error.name : typeof error });
        response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('internal error\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
