// Tests run from dist/test/**; data files stay in the source tree. Resolve both from here.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';

/** The repository root (this file compiles to dist/test/helpers/paths.js). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function readVectorJson<T>(fileName: string): T {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'test', 'vectors', fileName), 'utf8')) as T;
}
