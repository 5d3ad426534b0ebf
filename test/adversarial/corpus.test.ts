// The committed corpus, replayed on every run: each input against its decoder (the outcome must be
// the recorded one), then each inside a valid transport against a live relay, which must answer with
// an error frame (or close) and keep serving.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RawClient } from '../helpers/raw-client.js';
import { loadCorpus, type CorpusEntry } from './corpus.js';
import { DECODERS, outcomeOf } from './decoders.js';
import { startTestRelay, type TestRelay } from './harness.js';

let corpus: CorpusEntry[];
let target: TestRelay;

test.before(async () => {
  corpus = loadCorpus();
  // Every entry is two requests; the corpus is not a rate-limit test.
  target = await startTestRelay({ rateLimitPerSecond: 100_000, rateLimitBurst: 100_000 });
});

test.after(async () => {
  await target.close();
});

test('the corpus covers every decoder with hostile and valid inputs', () => {
  assert.ok(corpus.length >= 300, `${corpus.length} entries`);
  for (const name of Object.keys(DECODERS)) {
    assert.ok(corpus.some((e) => e.decoder === name && e.expect !== 'ok'), `${name} has hostile entries`);
  }
});

test('every corpus input gets its recorded outcome from its decoder', () => {
  const changed = corpus
    .map((entry) => ({ entry, got: outcomeOf(DECODERS[entry.decoder], entry.bytes) }))
    .filter(({ entry, got }) => got !== entry.expect)
    .map(({ entry, got }) => `${entry.decoder} / ${entry.why}: expected ${entry.expect}, got ${got}`);
  // A deliberate format change shows up here too: update those entries' expect (or hex) in the JSON.
  assert.equal(changed, []);
});

test('every corpus input, sent as a frame to a live relay, is answered with an error or a close; the relay stays up', async () => {
  const { relay, wsUrl } = target;
  let client = await RawClient.connect(wsUrl, relay.publicKey);
  let closes = 0;
  for (const entry of corpus) {
    const before = client.received.length;
    client.sendFrameBytes(entry.bytes);
    const rid = client.nextRid();
    const answered = await Promise.race([
      client.request({ type: 'ping', rid }).then(() => true),
      client.closed.then(() => false),
    ]);
    if (!answered) {
      closes++;
      client = await RawClient.connect(wsUrl, relay.publicKey);
      continue;
    }
    const answers = client.received.slice(before).filter((f) => !(f.type === 'pong' && f.rid === rid));
    const decodesAsRequest = outcomeOf(DECODERS.clientFrame, entry.bytes) === 'ok';
    assert.ok(answers.length >= 1, `${entry.decoder} / ${entry.why}: no answer`);
    if (!decodesAsRequest) assert.ok(answers.some((f) => f.type === 'error'), `${entry.decoder} / ${entry.why}: answered ${answers.map((f) => f.type)}`);
    assert.is(client.undecodable.length, 0);
  }
  // A frame inside a valid transport is the codec's to refuse: none of these should cost the session.
  assert.is(closes, 0);
  const fresh = await RawClient.connect(wsUrl, relay.publicKey);
  assert.is((await fresh.request({ type: 'ping', rid: fresh.nextRid() })).type, 'pong');
  client.ws.terminate();
  fresh.ws.terminate();
});

test.run();
