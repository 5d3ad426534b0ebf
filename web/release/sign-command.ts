// npm run release:sign -- --key <private key> [dir]: signs a built web client's release.json with
// the release key (Ed25519, PKCS#8 PEM), on the machine that holds the key, never on a relay.
// npm run release:sign -- --generate <private key path>: makes a new key pair (PATH and PATH.pub).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { toBase64Url } from '../../protocol/bytes.js';
import { expectPositionals, parseCommandLine, UsageError } from '../../protocol/platform/command-line.js';
import { generateReleaseKey, signRelease } from './release-key.js';

const USAGE = 'npm run release:sign -- --key <release key .pem> [dist/www] | --generate <new key .pem>';

function main(args: readonly string[]): void {
  const { values, positionals } = parseCommandLine(args, { key: { type: 'string' }, generate: { type: 'string' } });
  expectPositionals(positionals, 0, 1, USAGE);
  if (values.generate !== undefined) {
    if (values.key !== undefined || positionals.length > 0) throw new UsageError(`--generate takes no other argument; ${USAGE}`);
    const path = resolve(values.generate);
    const publicKey = generateReleaseKey(path, `${path}.pub`);
    process.stdout.write(`new release key: ${path} (keep it off every server), public key ${toBase64Url(publicKey)} in ${path}.pub\n`);
    return;
  }
  if (values.key === undefined) throw new UsageError(`--key is required; ${USAGE}`);
  const dir = resolve(positionals[0] ?? 'dist/www');
  const { id, publicKey } = signRelease(dir, readFileSync(resolve(values.key), 'utf8'));
  process.stdout.write(`signed ${dir}/release.json with key ${toBase64Url(publicKey)}\nrelease manifest SHA-256: ${id}\n`);
}

try {
  main(process.argv.slice(2));
} catch (error) {
  // A wrong key, a missing file or a manifest that is not a build's: one line, no stack.
  process.stderr.write(`release:sign: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
