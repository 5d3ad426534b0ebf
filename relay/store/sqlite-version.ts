// SQLite 3.7.0 up to 3.51.2 can corrupt a WAL database when a checkpoint races a WAL reset; the fix
// shipped in 3.51.3 and was backported to 3.44.6 and 3.50.7. The relay runs in WAL mode with
// concurrent readers, so it refuses the affected versions rather than risk the history.

type Version = readonly [number, number, number];

const FIRST_AFFECTED: Version = [3, 7, 0];
const FIXED: Version = [3, 51, 3];
/** Patched releases on older minor lines: [major, minor] → first fixed patch. */
const BACKPORTS: readonly Version[] = [
  [3, 44, 6],
  [3, 50, 7],
];

function parse(version: string): Version {
  const match = /^(\d+)\.(\d+)\.(\d+)(?:\.\d+)?$/.exec(version.trim());
  if (match === null) throw new Error(`unrecognised SQLite version "${version}"`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

export function hasWalResetBug(version: string): boolean {
  const v = parse(version);
  if (compare(v, FIRST_AFFECTED) < 0 || compare(v, FIXED) >= 0) return false;
  return !BACKPORTS.some((fix) => v[0] === fix[0] && v[1] === fix[1] && v[2] >= fix[2]);
}

/** Throws with a message naming the version when it must not be used. */
export function checkSqliteVersion(version: string): void {
  if (hasWalResetBug(version)) {
    throw new Error(
      `SQLite ${version} has the WAL-reset corruption bug (affects 3.7.0 to 3.51.2; fixed in 3.51.3, 3.50.7, 3.44.6). ` +
        'Install a better-sqlite3 build bundling a fixed SQLite.',
    );
  }
}
