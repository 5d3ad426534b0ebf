// A generator connection to a bare ws baseline: the payload is the stamp and padding. From the
// coalescing baseline a message holds several payloads, each behind a u32 length.
import { LeanWebSocket } from '../lean-websocket.js';
import { readStamp, writeStamp, type BenchConnection, type DeliverySink } from './bench-connection.js';

export class WsBenchConnection implements BenchConnection {
  readonly errors = 0;
  readonly #socket: LeanWebSocket;
  readonly #payload: Uint8Array;

  private constructor(socket: LeanWebSocket, payloadBytes: number, sink: DeliverySink, coalesced: boolean) {
    this.#socket = socket;
    this.#payload = new Uint8Array(payloadBytes);
    socket.onMessage = coalesced
      ? (message) => {
        for (let at = 0; at + 4 <= message.length; at += 4 + message.readUInt32BE(at)) readStamp(message, at + 4, sink);
      }
      : (payload) => readStamp(payload, 0, sink);
  }

  static async open(
    host: string, port: number, room: number, payloadBytes: number, sink: DeliverySink, localAddress?: string, coalesced = false,
  ): Promise<WsBenchConnection> {
    const socket = await LeanWebSocket.open({ host, port, path: `/?room=${room}`, ...(localAddress === undefined ? {} : { localAddress }) });
    return new WsBenchConnection(socket, payloadBytes, sink, coalesced);
  }

  get closed(): boolean {
    return this.#socket.closed;
  }

  send(runId: number, sentAt: number): void {
    writeStamp(this.#payload, 0, runId, sentAt);
    this.#socket.send(this.#payload);
  }

  close(): void {
    this.#socket.close();
  }
}
