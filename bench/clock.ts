// One clock for every bench process: wall-clock based (so a send stamped in one generator process can
// be timed on receipt in another) at performance.now()'s sub-millisecond resolution.
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
