// What a load generator needs from one connection of any system under test, and where the send
// stamp lives in a payload: a float64 send time then a u32 run id, so a receiver can time the
// delivery and ignore stragglers from an earlier load step.

export interface DeliverySink {
  delivered(runId: number, sentAt: number): void;
}

export interface BenchConnection {
  /** Sends one room message stamped with `runId` and `sentAt` (nowMs()). */
  send(runId: number, sentAt: number): void;
  close(): void;
  readonly closed: boolean;
  /** Refusals the server sent back (Sotto error frames); 0 for systems that never refuse. */
  readonly errors: number;
  /** Sotto only: rotations made and sends sent again after crossing one, so far. */
  readonly counts?: { readonly rotations: number; readonly staleResends: number };
}

export const STAMP_BYTES = 12;

export function writeStamp(target: Uint8Array, offset: number, runId: number, sentAt: number): void {
  const view = new DataView(target.buffer, target.byteOffset + offset, STAMP_BYTES);
  view.setFloat64(0, sentAt);
  view.setUint32(8, runId);
}

export function readStamp(source: Uint8Array, offset: number, sink: DeliverySink): void {
  const view = new DataView(source.buffer, source.byteOffset + offset, STAMP_BYTES);
  sink.delivered(view.getUint32(8), view.getFloat64(0));
}
