// Keeps the written spec exact: every error, label and type tag in the code appears in the docs with
// the same value, and every test the validation table cites exists under that name.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERRORS, type ErrorName } from '../../protocol/errors.js';
import { LABEL } from '../../protocol/labels.js';
import { CLIENT_FRAME, RECORD, RELAY_FRAME } from '../../protocol/wire/types.js';
import { REPO_ROOT } from '../helpers/paths.js';

const read = (path: string): string => readFileSync(join(REPO_ROOT, path), 'utf8');
const PROTOCOL = read('docs/protocol.md');
const ERRORS_MD = read('docs/errors.md');

/** Table rows (`| a | b |`) as trimmed cells. */
function rows(markdown: string): string[][] {
  return markdown.split('\n').filter((l) => l.startsWith('|') && !/^\|[\s|:-]+\|$/.test(l))
    .map((l) => l.slice(1, l.endsWith('|') ? -1 : undefined).split('|').map((c) => c.trim()));
}

/** The part of a markdown file under one `## ` heading. */
function section(markdown: string, heading: RegExp): string {
  const parts = markdown.split(/^(?=## )/m);
  const found = parts.find((p) => heading.test(p.split('\n')[0]!));
  assert.ok(found !== undefined, `section ${String(heading)} missing`);
  return found!;
}

test('spec: docs/errors.md lists every error code with its number, and nothing else', () => {
  const table = rows(ERRORS_MD).filter((r) => /^\d+$/.test(r[0]!));
  const documented = new Map(table.map((r) => [r[1]!, Number(r[0])]));
  for (const name of Object.keys(ERRORS) as ErrorName[]) {
    assert.is(documented.get(name), ERRORS[name].code, `${name} in docs/errors.md`);
  }
  assert.is(table.length, Object.keys(ERRORS).length, 'no extra or duplicate rows');
});

test('spec: every label appears in protocol.md §3', () => {
  const labels = section(PROTOCOL, /^## 3\. Labels/);
  for (const [name, value] of Object.entries(LABEL)) assert.ok(labels.includes(`\`${value}\``), `${name} = ${value}`);
  const listed = rows(labels).map((r) => r[0]!).filter((c) => c.startsWith('`sotto/'));
  assert.is(listed.length, Object.keys(LABEL).length, 'no label documented that the code lacks');
});

test('spec: every type tag appears in protocol.md §2 with its name', () => {
  const table = rows(section(PROTOCOL, /^## 2\. Type tags/)).filter((r) => r[0]!.startsWith('0x'));
  const byTag = new Map(table.map((r) => [r[0]!, r]));
  const check = (kind: string, tags: Readonly<Record<string, number>>): void => {
    for (const [name, tag] of Object.entries(tags)) {
      const row = byTag.get(`0x${tag.toString(16).padStart(2, '0')}`);
      assert.ok(row !== undefined, `${kind} ${name} (0x${tag.toString(16)}) missing`);
      assert.is(row![1], kind, `${name}: kind`);
      assert.is(row![2], `\`${name}\``, `0x${tag.toString(16)}: name`);
    }
  };
  check('record', RECORD);
  check('client frame', CLIENT_FRAME);
  check('relay frame', RELAY_FRAME);
  assert.is(byTag.size, Object.keys(RECORD).length + Object.keys(CLIENT_FRAME).length + Object.keys(RELAY_FRAME).length, 'no extra tags');
});

/** True when `file` declares a test called `name`: `test('…'` or a suite's `contract('…'` and the like. */
function declaresTest(file: string, name: string): boolean {
  const source = readFileSync(join(REPO_ROOT, file), 'utf8');
  return source.includes(`test('${name}'`) || source.includes(`test("${name}"`) || source.includes(`contract('${name}'`);
}

/** `| V-nn | where | rule | errors | tests |` rows of §11. */
function validationRows(): string[][] {
  return rows(section(PROTOCOL, /^## 11\. Validation rules/)).filter((r) => /^V-\d{2,3}$/.test(r[0]!));
}

test('spec: validation rules are numbered uniquely and name real error codes', () => {
  const table = validationRows();
  assert.ok(table.length >= 50, `only ${table.length} rules`);
  const ids = table.map((r) => r[0]!);
  assert.is(new Set(ids).size, ids.length, 'duplicate rule number');
  for (const row of table) {
    assert.is(row.length, 5, `${row[0]}: five cells`);
    assert.match(row[1]!, /^(relay|client|relay, client)$/, `${row[0]}: where`);
    const codes = [...row[3]!.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!);
    assert.ok(codes.length > 0, `${row[0]}: names an error`);
    for (const code of codes) assert.ok(code in ERRORS, `${row[0]}: ${code} is not in protocol/errors.ts`);
  }
});

test('spec: every test the validation table cites exists under that name', () => {
  let cited = 0;
  for (const row of validationRows()) {
    const cell = row[4]!;
    const refs = [...cell.matchAll(/(test\/[\w/.-]+\.ts): "([^"]+)"/g)];
    if (cell === 'TBD') continue;
    assert.ok(refs.length > 0, `${row[0]}: cites no test ("${cell}")`);
    for (const [, file, name] of refs) {
      const path = join(REPO_ROOT, file!);
      assert.ok(existsSync(path), `${row[0]}: ${file} does not exist`);
      assert.ok(declaresTest(file!, name!), `${row[0]}: no test named "${name}" in ${file}`);
      cited++;
    }
  }
  assert.ok(cited >= 50, `only ${cited} citations`);
});

test('spec: threat-model test citations exist', () => {
  const model = read('docs/threat-model.md');
  for (const [, file, name] of model.matchAll(/(test\/[\w/.-]+\.ts): "([^"]+)"/g)) {
    assert.ok(declaresTest(file!, name!), `no test named "${name}" in ${file}`);
  }
});

test.run();
