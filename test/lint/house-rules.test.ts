// The house rules a type checker does not enforce, checked over every source file: named exports
// only, no `any`, Node built-ins only behind protocol/platform/, relay output only through its logger.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';

const SOURCE_DIRS = ['protocol', 'relay', 'web', 'client', 'bench', 'test'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const THIS_FILE = 'test/lint/house-rules.test.ts';

const files = SOURCE_DIRS.flatMap((dir) => sources(join(REPO_ROOT, dir)))
  .map((path) => ({ path: relative(REPO_ROOT, path), text: readFileSync(path, 'utf8') }))
  .filter((f) => f.path !== THIS_FILE)
  .map((f) => {
    // Comments may mention what the rules forbid; only code counts.
    const code = f.text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    // Test names and messages are prose too ("any bytes give…").
    const bare = code.replace(/'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`/g, "''");
    return { path: f.path, code, bare };
  });

function offenders(pattern: RegExp, scope: (path: string) => boolean = () => true, field: 'code' | 'bare' = 'bare'): string[] {
  return files.filter((f) => scope(f.path) && pattern.test(f[field])).map((f) => f.path);
}

test('house rules: the rules see the source tree', () => {
  assert.ok(files.length > 100, `only ${files.length} files`);
});

test('house rules: no default exports', () => {
  assert.equal(offenders(/\bexport\s+default\b/), []);
});

test('house rules: no `any`', () => {
  assert.equal(offenders(/(:\s*any\b|\bas\s+any\b|<any>|any\[\])/), []);
});

test('house rules: protocol/ imports Node built-ins only behind protocol/platform/', () => {
  assert.equal(offenders(/from\s+'node:/, (p) => p.startsWith('protocol/') && !p.startsWith('protocol/platform/'), 'code'), []);
});

test('house rules: the relay writes through its logger, never console', () => {
  assert.equal(offenders(/\bconsole\.(log|info|debug|warn|error)\(/, (p) => p.startsWith('relay/') || p.startsWith('protocol/')), []);
});

// Fault-injection hooks (test/helpers/held-ack-relay.ts) live under test/: the shipped relay must never load them.
test('house rules: relay/ and protocol/ never import from test/ or bench/', () => {
  assert.equal(offenders(/(?:from\s+|import\(\s*)'(?:\.\.\/)+(?:test|bench)\//, (p) => p.startsWith('relay/') || p.startsWith('protocol/'), 'code'), []);
});

test.run();
