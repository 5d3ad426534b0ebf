// The bare `ws` baseline as several processes on one port (node:cluster, round-robin accept), as
// `sotto-relay --workers N` runs: the baseline for memory per idle connection past one process's
// open-file limit. Each worker is ws-broadcast.ts unchanged, so rooms do not span workers (it only
// holds connections here; nothing is sent). Usage: node ws-cluster.js <workers>. Prints
// {"port": n} once every worker listens.
import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';

const workers = Number(process.argv[2] ?? '3');
cluster.schedulingPolicy = cluster.SCHED_RR;
// The workers' own {"port"} lines are not the bench's to read: this process says when all listen.
cluster.setupPrimary({ exec: fileURLToPath(new URL('./ws-broadcast.js', import.meta.url)), silent: true });
let listening = 0;
cluster.on('listening', (_worker, address) => {
  if (++listening === workers) process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});
for (let i = 0; i < workers; i++) cluster.fork();
process.on('SIGTERM', () => {
  for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  process.exit(0);
});
