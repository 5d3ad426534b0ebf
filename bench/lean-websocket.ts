// A minimal WebSocket client over a raw `net` socket, for load generation only.
//
// The `ws` client library spends more CPU per message than the servers under test do, so a
// generator built on it measures itself. This one does the least RFC 6455 allows a client to do:
// an HTTP upgrade, masked client frames, and a parser for unmasked, unfragmented server frames.
// It does not check Sec-WebSocket-Accept (the servers are ours) and refuses anything it does not
// expect rather than handling it.
import { randomBytes, randomFillSync } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export const OPCODE = { text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

export interface LeanWebSocketOptions {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  /** A loopback source address (127.0.0.x): each one has its own ~28k ephemeral ports. */
  readonly localAddress?: string;
  /** How long the upgrade may take before open() gives up (default 30 s). */
  readonly upgradeTimeoutMs?: number;
}

/**
 * A server out of file descriptors lets the kernel finish TCP handshakes it never accepts (or
 * accepts and drops), so without a limit an idle ramp at a server's file limit would wait forever.
 */
const UPGRADE_TIMEOUT_MS = 30_000;

export type MessageHandler = (payload: Buffer, opcode: number) => void;

const HEADER_END = Buffer.from('\r\n\r\n');
const MASK_POOL_BYTES = 64 * 1024;

// Masks come from a pool refilled in bulk: one randomFillSync per 16k frames instead of one each.
let maskPool = Buffer.alloc(0);
let maskAt = MASK_POOL_BYTES;

function nextMask(): Buffer {
  if (maskAt + 4 > maskPool.length) {
    maskPool = Buffer.allocUnsafe(MASK_POOL_BYTES);
    randomFillSync(maskPool);
    maskAt = 0;
  }
  const mask = maskPool.subarray(maskAt, maskAt + 4);
  maskAt += 4;
  return mask;
}

/** One masked client frame, header and payload in a single buffer so it is a single write. */
export function encodeClientFrame(opcode: number, payload: Uint8Array): Buffer {
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const headerBytes = 2 + lengthBytes + 4;
  const out = Buffer.allocUnsafe(headerBytes + length);
  out[0] = 0x80 | opcode;
  if (lengthBytes === 0) out[1] = 0x80 | length;
  else if (lengthBytes === 2) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(length, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeUInt32BE(0, 2);
    out.writeUInt32BE(length, 6);
  }
  const mask = nextMask();
  const maskAt = headerBytes - 4;
  out[maskAt] = mask[0]!;
  out[maskAt + 1] = mask[1]!;
  out[maskAt + 2] = mask[2]!;
  out[maskAt + 3] = mask[3]!;
  for (let i = 0; i < length; i++) out[headerBytes + i] = payload[i]! ^ mask[i & 3]!;
  return out;
}

export class LeanWebSocket {
  readonly socket: Socket;
  onMessage: MessageHandler = () => undefined;
  onClose: () => void = () => undefined;
  #pending: Buffer | undefined;
  #closed = false;

  private constructor(socket: Socket, leftover: Buffer) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('close', () => {
      this.#closed = true;
      this.onClose();
    });
    // Bytes that came with the upgrade response (Engine.IO's open packet does) wait a macrotask,
    // so the caller's `await open()` continuation has installed its handler by then.
    if (leftover.length > 0) setImmediate(() => this.#onData(leftover));
  }

  static open(options: LeanWebSocketOptions): Promise<LeanWebSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect({
        host: options.host, port: options.port, noDelay: true,
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      });
      let head = Buffer.alloc(0);
      const timeoutMs = options.upgradeTimeoutMs ?? UPGRADE_TIMEOUT_MS;
      const timer = setTimeout(() => fail(new Error(`no upgrade response within ${timeoutMs} ms`)), timeoutMs);
      const onClose = (): void => fail(new Error('connection closed before the upgrade'));
      const fail = (error: Error): void => {
        clearTimeout(timer);
        socket.off('close', onClose);
        socket.destroy();
        reject(error);
      };
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf(HEADER_END);
        if (end < 0) {
          if (head.length > 16 * 1024) fail(new Error('upgrade response too long'));
          return;
        }
        socket.off('data', onData);
        socket.off('error', fail);
        socket.off('close', onClose);
        clearTimeout(timer);
        const status = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
        if (!/^HTTP\/1\.1 101\b/.test(status)) return fail(new Error(`upgrade refused: ${status}`));
        socket.on('error', () => socket.destroy());
        resolve(new LeanWebSocket(socket, head.subarray(end + HEADER_END.length)));
      };
      socket.on('error', fail);
      socket.once('close', onClose);
      socket.on('data', onData);
      socket.once('connect', () => {
        socket.write(
          `GET ${options.path} HTTP/1.1\r\nHost: ${options.host}:${options.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(payload: Uint8Array, opcode: number = OPCODE.binary): void {
    if (this.#closed) return;
    this.socket.write(encodeClientFrame(opcode, payload));
  }

  close(): void {
    if (this.#closed) return;
    this.socket.end(encodeClientFrame(OPCODE.close, Uint8Array.of(0x03, 0xe8)));
  }

  #onData(chunk: Buffer): void {
    const buffer = this.#pending === undefined ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = undefined;
    let at = 0;
    for (;;) {
      const available = buffer.length - at;
      if (available < 2) break;
      const b0 = buffer[at]!;
      const b1 = buffer[at + 1]!;
      let length = b1 & 0x7f;
      let headerBytes = 2;
      if (length === 126) {
        if (available < 4) break;
        length = buffer.readUInt16BE(at + 2);
        headerBytes = 4;
      } else if (length === 127) {
        if (available < 10) break;
        length = buffer.readUInt32BE(at + 2) * 0x1_0000_0000 + buffer.readUInt32BE(at + 6);
        headerBytes = 10;
      }
      if ((b0 & 0x80) === 0 || (b1 & 0x80) !== 0) {
        // Fragmented or masked server frames never come from the servers under test.
        this.socket.destroy();
        return;
      }
      if (available < headerBytes + length) break;
      const payload = buffer.subarray(at + headerBytes, at + headerBytes + length);
      at += headerBytes + length;
      const opcode = b0 & 0x0f;
      if (opcode === OPCODE.ping) this.send(payload, OPCODE.pong);
      else if (opcode === OPCODE.close) {
        this.socket.end();
        return;
      } else if (opcode !== OPCODE.pong) this.onMessage(payload, opcode);
    }
    if (at < buffer.length) {
      // Copy the tail so the large chunk it came from can be freed.
      this.#pending = Buffer.from(buffer.subarray(at));
    }
  }
}
