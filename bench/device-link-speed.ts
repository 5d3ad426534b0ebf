// The link section (npm run bench -- --only link): linking a new device to one that holds `rooms`
// rooms with `messages` messages of history in all (docs/protocol.md §8.7.1, issue 19). The relay
// runs as deployed (node dist/relay/main.js, SQLite at synchronous=FULL, its own process, /metrics
// on an ephemeral port); both devices are headless clients in this process, as in the attachment
// bench, so their work shares one event loop. The history is filled once (texts, every tenth a reply
// to the one before), then each round links a fresh new device to every room.
// Timed, per round: on the existing device from confirmLink (the new device has accepted) to its
// `done` (every device add committed, every history post acknowledged); on the new device from
// acceptLink to its `done` (every room taken — bound, its log replayed, its key opened — and its
// history stored). Bytes: the relay's WebSocket payload bytes in and out over the whole link (code
// shown to done), from its own counters, and the link posts it took.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHeadlessClient } from '../client/headless.js';
import type { ClientEvent } from '../protocol/client/client-events.js';
import type { SottoClient } from '../protocol/client/client.js';
import { nowMs } from './clock.js';
import { startRelayProcess } from './relay-launcher.js';

export interface DeviceLinkRound {
  readonly rooms: number;
  readonly messages: number;
  /** Existing device: confirmLink to done. */
  readonly existingMs: number;
  /** New device: acceptLink to done. */
  readonly newMs: number;
  /** From the new device starting the link to its done, both people's confirmations instant. */
  readonly totalMs: number;
  /** The relay's WebSocket payload bytes over the link, both directions. */
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly linkPosts: number;
}

/** Messages sent at once while filling: the outbox pipelines them. */
const FILL_BATCH = 50;
const WAIT_MS = 600_000;

interface Device {
  readonly client: SottoClient;
  readonly events: ClientEvent[];
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function open(url: string): Promise<Device> {
  const events: ClientEvent[] = [];
  const client = await openHeadlessClient({ url, onEvent: (event) => events.push(event) });
  await client.whenOnline(60_000);
  return { client, events };
}

function linkEnded(d: Device, from: number): 'done' | 'failed' | undefined {
  for (let i = from; i < d.events.length; i++) {
    const e = d.events[i]!;
    if (e.type === 'link' && (e.state === 'done' || e.state === 'failed')) return e.state;
  }
  return undefined;
}

/** `rooms` rooms of `messages / rooms` messages each, sent from the existing device. */
async function fill(device: SottoClient, rooms: number, messages: number): Promise<string[]> {
  const ids: string[] = [];
  for (let r = 0; r < rooms; r++) {
    const roomId = await device.createRoom(`Room ${r}`, 'Alice');
    ids.push(roomId);
    const perRoom = Math.floor(messages / rooms);
    for (let sent = 0; sent < perRoom; sent += FILL_BATCH) {
      const batch: Promise<number>[] = [];
      for (let i = sent; i < Math.min(perRoom, sent + FILL_BATCH); i++) {
        const text = `message ${i} of room ${r}: a line of ordinary length, about as long as chat lines are`;
        const last = i % 10 === 9 ? device.messages(roomId, 1)[0]?.ref : undefined;
        batch.push(last === undefined ? device.send(roomId, text) : device.reply(roomId, last, text));
      }
      await Promise.all(batch);
    }
  }
  return ids;
}

async function counters(metricsUrl: string): Promise<{ bytesIn: number; bytesOut: number; linkPosts: number }> {
  const text = await (await fetch(metricsUrl)).text();
  const value = (pattern: RegExp): number => Number(pattern.exec(text)?.[1] ?? 0);
  return {
    bytesIn: value(/^sotto_bytes_in_total (\d+)/m),
    bytesOut: value(/^sotto_bytes_out_total (\d+)/m),
    linkPosts: value(/^sotto_requests_total\{type="linkPost"\} (\d+)/m),
  };
}

export async function runDeviceLink(rooms: number, messages: number, rounds: number, progress: (line: string) => void): Promise<DeviceLinkRound[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-bench-link-'));
  const relay = await startRelayProcess({ dataDir: dir, synchronous: 'FULL', metrics: true });
  const url = `http://127.0.0.1:${relay.port}`;
  const devices: Device[] = [];
  try {
    if (relay.metricsUrl === undefined) throw new Error('the relay reported no /metrics URL');
    const existing = await open(url);
    devices.push(existing);
    const started = nowMs();
    const roomIds = await fill(existing.client, rooms, messages);
    progress(`filled ${rooms} rooms with ${messages} messages in ${((nowMs() - started) / 1000).toFixed(1)} s`);
    const results: DeviceLinkRound[] = [];
    for (let round = 0; round < rounds; round++) {
      const fresh = await open(url);
      devices.push(fresh);
      const before = await counters(relay.metricsUrl);
      const [fromExisting, fromFresh] = [existing.events.length, fresh.events.length];
      const t0 = nowMs();
      const payload = await fresh.client.linkAsNewDevice('Alice');
      await existing.client.linkNewDevice(`https://sotto.example/#/link/${payload}`, roomIds);
      await until(() => fresh.events.slice(fromFresh).some((e) => e.type === 'link' && e.state === 'offer'), 'the offer');
      const tAccept = nowMs();
      await fresh.client.acceptLink();
      const tConfirm = nowMs();
      existing.client.confirmLink();
      let existingMs = Number.NaN;
      let newMs = Number.NaN;
      await until(() => {
        if (Number.isNaN(existingMs) && linkEnded(existing, fromExisting) !== undefined) existingMs = nowMs() - tConfirm;
        if (Number.isNaN(newMs) && linkEnded(fresh, fromFresh) !== undefined) newMs = nowMs() - tAccept;
        return !Number.isNaN(existingMs) && !Number.isNaN(newMs);
      }, 'the link ends on both devices');
      const totalMs = nowMs() - t0;
      if (linkEnded(existing, fromExisting) !== 'done' || linkEnded(fresh, fromFresh) !== 'done') throw new Error(`link ${round} failed`);
      const held = roomIds.reduce((n, id) => n + fresh.client.messageCount(id), 0);
      const expected = roomIds.reduce((n, id) => n + existing.client.messageCount(id), 0);
      if (held < expected) throw new Error(`the new device holds ${held} of ${expected} messages`);
      const after = await counters(relay.metricsUrl);
      const result: DeviceLinkRound = {
        rooms, messages, existingMs, newMs, totalMs,
        bytesIn: after.bytesIn - before.bytesIn, bytesOut: after.bytesOut - before.bytesOut, linkPosts: after.linkPosts - before.linkPosts,
      };
      results.push(result);
      progress(`link ${round}: existing ${existingMs.toFixed(0)} ms, new ${newMs.toFixed(0)} ms, relay in ${(result.bytesIn / 1e6).toFixed(2)} MB, out ${(result.bytesOut / 1e6).toFixed(2)} MB, ${result.linkPosts} link posts`);
    }
    return results;
  } finally {
    await Promise.all(devices.map((d) => d.client.close()));
    await relay.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
