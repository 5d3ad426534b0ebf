// A generator connection to the bare ws baseline: the payload is the stamp and padding.
import { LeanWebSocket } from '../lean-websocket.js';
import { readStamp, writeStamp, type BenchConnection, type DeliverySink } from './bench-connection.js';

export class WsBenchConnection implements BenchConnection {
  readonly errors = 0;
  readonly #socket: LeanWebSocket;
  readonly #payload: Uint8Array;

  private constructor(socket: LeanWebSocket, payloadBytes: number, sink: DeliverySink) {
    this.#socket = socket;
    this.#payload = new Uint8Array(payloadBytes);
    socket.onMessage = (payload) => readStamp(payload, 0, sink);
  }

  static async open(host: string, port: number, room: number, payloadBytes: number, sink: DeliverySink, localAddress?: string): Promise<WsBenchConnection> {
    const socket = await LeanWebSocket.open({ host, port, path: `/?room=${room}`, ...(localAddress === undefined ? {} : { localAddress }) });
    return new WsBenchConnection(socket, payloadBytes, sink);
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
