// Names made safe to show (V-18): the known answers in display-name-vectors.json for sanitizing,
// look-alike keys and labels, and the properties stored names rely on (idempotent, within limits).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { utf8 } from '../../../protocol/bytes.js';
import { MAX_NAME_GRAPHEMES, safeName } from '../../../protocol/client/display-name.js';
import { memberLabels, nameKey } from '../../../protocol/client/member-labels.js';
import { MAX_NAME_BYTES } from '../../../protocol/wire/content.js';
import { REPO_ROOT } from '../../helpers/paths.js';

interface Vectors {
  readonly safeName: readonly { readonly comment: string; readonly input: string; readonly output: string }[];
  readonly sameKey: readonly { readonly comment: string; readonly a: string; readonly b: string }[];
  readonly differentKey: readonly { readonly comment: string; readonly a: string; readonly b: string }[];
  readonly labels: readonly {
    readonly comment: string;
    readonly people: readonly { readonly sign: string; readonly name: string | null; readonly fingerprint: string }[];
    readonly labels: Readonly<Record<string, string>>;
  }[];
}

const vectors = JSON.parse(readFileSync(join(REPO_ROOT, 'test/protocol/client/display-name-vectors.json'), 'utf8')) as Vectors;

test('display name: known answers for bidi, invisible and control characters, whitespace, NFC and the length cap', () => {
  assert.ok(vectors.safeName.length >= 30, 'vectors read');
  for (const v of vectors.safeName) assert.is(safeName(v.input), v.output, v.comment);
});

test('display name: look-alike names share a key (case, NFKC, accents, Cyrillic/Greek), different ones do not', () => {
  for (const v of vectors.sameKey) assert.is(nameKey(v.a), nameKey(v.b), v.comment);
  for (const v of vectors.differentKey) assert.is.not(nameKey(v.a), nameKey(v.b), v.comment);
});

test('display name: look-alike members get fingerprint suffixes until their labels differ', () => {
  for (const v of vectors.labels) {
    const prints = new Map(v.people.map((p) => [p.sign, p.fingerprint]));
    const labels = memberLabels(v.people.map((p) => ({ sign: p.sign, name: p.name ?? undefined })), (sign) => prints.get(sign)!);
    assert.equal(Object.fromEntries(labels), v.labels, v.comment);
  }
});

test('display name: any text sanitizes to a stable, bounded name with no bidi control or invisible character', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (raw) => {
    const name = safeName(raw);
    assert.is(safeName(name), name, 'idempotent');
    assert.ok(utf8(name).length <= MAX_NAME_BYTES, 'within the wire limit');
    assert.ok([...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(name)].length <= MAX_NAME_GRAPHEMES, 'within the display cap');
    assert.not.match(name, /[\p{Bidi_Control}\p{Cc}\u200B\u200C\u2060\uFEFF]|^\s|\s$|\s\s/u);
  }), { numRuns: 2000 });
});

test('display name: two members with the same name never share a label', () => {
  const hex = fc.stringMatching(/^[0-9a-f]{4}$/);
  fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom('Bob', 'bob', 'Bob · 1a2b', 'Member 1a2b', undefined), fc.array(hex, { minLength: 5, maxLength: 5 })), { minLength: 2, maxLength: 8 }), (people) => {
    const prints = new Map(people.map(([, groups], at) => [String(at), groups.join(' ')]));
    if (new Set(prints.values()).size < prints.size) return; // one key, one fingerprint
    const labels = memberLabels(people.map(([name], at) => ({ sign: String(at), name })), (sign) => prints.get(sign)!);
    assert.is(new Set([...labels.values()].map(nameKey)).size, people.length);
  }), { numRuns: 500 });
});

test.run();
