// What the relay writes at debug level during a whole chat, with some misbehaviour and a shutdown
// thrown in, must name nothing about the people: no text, display name, room name, invite token,
// room id, member key or client address, in any of the encodings they travel in.
import { test } from 'uvu';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { fromHex, toBase64Url } from '../../protocol/bytes.js';
import { randomBytes } from '../../protocol/crypto/random.js';
import { parseInviteLink } from '../../protocol/wire/invite.js';
import { openTestClient, waitUntil, type TestClient } from '../helpers/clients.js';
import { openSocket, RawClient, whenClosed } from '../helpers/raw-client.js';
import { DATABASE_FILE } from '../../relay/data-dir.js';
import { startRelayProcess, type RelayProcess } from '../helpers/relay-process.js';

function unique(label: string): string {
  return `${label} ${toBase64Url(randomBytes(6))}`;
}

/** The spellings a byte string could leak in. */
function encodings(bytes: Uint8Array): string[] {
  const hex = Buffer.from(bytes).toString('hex');
  return [hex, hex.toUpperCase(), toBase64Url(bytes), Buffer.from(bytes).toString('base64')];
}

async function misbehave(url: string, relayPublicKey: Uint8Array): Promise<void> {
  const ws = url.replace('http:', 'ws:');
  // A broken handshake, garbage after a good one, a refused upgrade with a spoofed address.
  const bad = await openSocket(`${ws}/ws`);
  bad.send(randomBytes(40));
  await whenClosed(bad);
  const raw = await RawClient.connect(`${ws}/ws`, relayPublicKey);
  raw.sendFrameBytes(randomBytes(30));
  raw.sendRaw(randomBytes(64));
  await raw.closed;
  const refused = await fetch(`${url}/nope`, { headers: { 'X-Forwarded-For': '203.0.113.9' } });
  await refused.arrayBuffer();
  await openSocket(`${ws}/elsewhere`).catch(() => undefined);
}

interface ChatSecrets {
  /** Strings that must appear nowhere: texts, names, the link payload, keys and ids as text. */
  readonly text: string[];
  /** Secret bytes that must not appear raw either: the invite token. */
  readonly raw: Uint8Array[];
}

/** A whole chat between two headless clients, with some misbehaviour; what it must not leak. */
async function chat(relay: RelayProcess): Promise<ChatSecrets> {
  const open: TestClient[] = [];
  try {
    const alice = await openTestClient(relay.url);
    const bob = await openTestClient(relay.url);
    open.push(alice, bob);
    const roomName = unique('Night shift');
    const [aliceName, bobName] = [unique('Alice'), unique('Bob')];
    const texts = [unique('meet at the usual place'), unique('bring the documents'), unique('ok')];
    const roomId = await alice.client.createRoom(roomName, aliceName);
    const { link } = await alice.client.createInvite(roomId);
    await bob.client.join(link, bobName);
    await waitUntil(() => bob.client.rooms()[0]?.status === 'member', 'bob admitted');
    await alice.client.send(roomId, texts[0]!);
    await bob.client.send(roomId, texts[1]!);
    await alice.client.send(roomId, texts[2]!);
    await waitUntil(() => bob.client.messages(roomId).length >= 3 && alice.client.messages(roomId).length >= 3, 'both see every message');
    await misbehave(relay.url, relay.publicKey);
    const invite = parseInviteLink(link);
    return {
      text: [
        ...texts, roomName, aliceName, bobName, link.slice(link.indexOf('#/join/') + '#/join/'.length),
        ...encodings(invite.token), ...encodings(fromHex(roomId)),
        ...encodings(fromHex(alice.client.identity(roomId))), ...encodings(fromHex(bob.client.identity(roomId))),
        '127.0.0.1', '203.0.113.9',
      ],
      raw: [invite.token],
    };
  } finally {
    await Promise.all(open.map((c) => c.client.close()));
  }
}

test('a debug-level log of a whole chat carries no content, names, tokens, room ids, keys or addresses', async () => {
  const relay = await startRelayProcess(['--log-level', 'debug']);
  try {
    const secrets = await chat(relay);
    await relay.kill('SIGTERM');
    const output = relay.output();
    assert.ok(output.includes('"level":"debug"'), 'the relay logged at debug level');
    assert.ok(output.includes('relay stopped'));
    for (const line of output.split('\n').filter((l) => l !== '')) {
      assert.type((JSON.parse(line) as { msg: unknown }).msg, 'string', line);
    }
    // The start line names the relay's own listen address (the URL to open); no other line may
    // name an address, and none may hold any other secret.
    const [start, ...rest] = output.split('\n').filter((l) => l.includes('"msg"'));
    assert.match(start!, '"msg":"relay listening"');
    for (const secret of secrets.text) {
      assert.not.ok(rest.some((line) => line.includes(secret)), `the log contains "${secret}"`);
      if (secret !== '127.0.0.1') assert.not.ok(start!.includes(secret), `the start line contains "${secret}"`);
    }
  } finally {
    await relay.dispose();
  }
});

test('after a chat the relay data directory holds no plaintext: no text, name or invite token in any file', async () => {
  const relay = await startRelayProcess();
  try {
    const secrets = await chat(relay);
    // Killed, not stopped: the WAL keeps whatever was written, so it is searched as it lies on disk.
    await relay.kill('SIGKILL');
    const files = readdirSync(relay.dataDir);
    assert.ok(files.includes(DATABASE_FILE), `the data dir holds the database: ${files.join(', ')}`);
    // Ids and public keys are kept as raw bytes (metadata the relay needs), never as text.
    for (const file of files) {
      const bytes = readFileSync(join(relay.dataDir, file));
      for (const text of secrets.text) {
        assert.is(bytes.indexOf(Buffer.from(text, 'utf8')), -1, `${file} contains "${text}"`);
        assert.is(bytes.indexOf(Buffer.from(text, 'utf16le')), -1, `${file} contains "${text}" as UTF-16`);
      }
      for (const raw of secrets.raw) assert.is(bytes.indexOf(Buffer.from(raw)), -1, `${file} contains the invite token`);
      for (const spelling of secrets.raw.flatMap(encodings)) assert.is(bytes.indexOf(Buffer.from(spelling)), -1, `${file} contains the token as text`);
    }
  } finally {
    await relay.dispose();
  }
});

test('--log-ips is the one way to get client addresses into the log', async () => {
  const relay = await startRelayProcess(['--log-level', 'debug', '--log-ips']);
  try {
    const client = await RawClient.connect(`${relay.url.replace('http:', 'ws:')}/ws`, relay.publicKey);
    await client.close();
    await waitUntil(() => relay.output().includes('connection closed'), 'the close is logged');
    assert.ok(relay.output().includes('"address":"127.0.0.1"'));
  } finally {
    await relay.dispose();
  }
});

test.run();
