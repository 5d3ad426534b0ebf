// A generator connection to the Socket.IO baseline, speaking Engine.IO v4 / Socket.IO v5 packets
// directly over the lean socket: open ("0{...}"), connect ("40"), ping ("2") answered with pong
// ("3"), and binary events, which travel as a text placeholder packet followed by one binary frame.
import { LeanWebSocket, OPCODE } from '../lean-websocket.js';
import { readStamp, writeStamp, type BenchConnection, type DeliverySink } from './bench-connection.js';

const BINARY_EVENT = Buffer.from('451-["m",{"_placeholder":true,"num":0}]');
const CONNECT = Buffer.from('40');
const PONG = Buffer.from('3');
const CONNECT_TIMEOUT_MS = 10_000;

export class SocketIoBenchConnection implements BenchConnection {
  readonly errors = 0;
  readonly #socket: LeanWebSocket;
  readonly #payload: Uint8Array;

  private constructor(socket: LeanWebSocket, payloadBytes: number) {
    this.#socket = socket;
    this.#payload = new Uint8Array(payloadBytes);
  }

  static async open(host: string, port: number, room: number, payloadBytes: number, sink: DeliverySink, localAddress?: string): Promise<SocketIoBenchConnection> {
    const socket = await LeanWebSocket.open({
      host, port, path: `/socket.io/?EIO=4&transport=websocket&room=${room}`, ...(localAddress === undefined ? {} : { localAddress }),
    });
    const connection = new SocketIoBenchConnection(socket, payloadBytes);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('Socket.IO connect timed out')), CONNECT_TIMEOUT_MS);
      socket.onClose = () => reject(new Error('Socket.IO closed while connecting'));
      socket.onMessage = (payload, opcode) => {
        if (opcode === OPCODE.binary) {
          readStamp(payload, 0, sink);
          return;
        }
        const first = payload[0];
        const second = payload[1];
        if (first === 0x30 /* open */) socket.send(CONNECT, OPCODE.text);
        else if (first === 0x32 /* ping */) socket.send(PONG, OPCODE.text);
        else if (first === 0x34 /* message */ && second === 0x30 /* connect ack */) {
          clearTimeout(timer);
          socket.onClose = () => undefined;
          resolve();
        }
        // The "451-" placeholder that precedes each binary frame carries nothing we need.
      };
    });
    return connection;
  }

  get closed(): boolean {
    return this.#socket.closed;
  }

  send(runId: number, sentAt: number): void {
    writeStamp(this.#payload, 0, runId, sentAt);
    // Both frames of one event in one write, as the socket.io-client would after its own batching.
    this.#socket.socket.cork();
    this.#socket.send(BINARY_EVENT, OPCODE.text);
    this.#socket.send(this.#payload);
    this.#socket.socket.uncork();
  }

  close(): void {
    this.#socket.close();
  }
}
