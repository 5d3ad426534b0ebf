// Bench processes run the compiled JavaScript next to this file (dist/bench/...).
import { fileURLToPath } from 'node:url';

export function distPath(relative: string): string {
  return fileURLToPath(new URL(relative, import.meta.url));
}
