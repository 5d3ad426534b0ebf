// The committed corpus of hostile inputs (test/corpus/hostile-inputs.json): truncated and mutated
// valid frames, known-bad encodings, and anything fast-check ever found. Each entry names the decoder
// it targets and the outcome that decoder gives today, so a change in behaviour shows up as a diff.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex } from '../../protocol/bytes.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { isDecoderName, type DecoderName } from './decoders.js';

export interface CorpusEntry {
  readonly decoder: DecoderName;
  /** What the input is and why it is hostile. */
  readonly why: string;
  readonly bytes: Uint8Array;
  /** 'ok' or the SottoError name the decoder answers with. */
  readonly expect: string;
}

interface StoredEntry {
  decoder: string;
  why: string;
  hex: string;
  expect: string;
}

const CORPUS_PATH = join(REPO_ROOT, 'test', 'corpus', 'hostile-inputs.json');

export function loadCorpus(): CorpusEntry[] {
  const stored = JSON.parse(readFileSync(CORPUS_PATH, 'utf8')) as { inputs: StoredEntry[] };
  return stored.inputs.map((entry) => {
    if (!isDecoderName(entry.decoder)) throw new Error(`corpus names an unknown decoder "${entry.decoder}"`);
    return { decoder: entry.decoder, why: entry.why, bytes: fromHex(entry.hex), expect: entry.expect };
  });
}
