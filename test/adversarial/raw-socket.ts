// WebSocket by hand over a plain TCP socket, for abuse the `ws` client will not produce: byte-at-a-
// time headers, floods of one-byte fragments, upgrades whose answer is read as raw HTTP.
import { connect, type Socket } from 'node:net';
import { randomBytes } from '../../protocol/crypto/random.js';

export const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8 } as const;

export interface ServerFrame {
  readonly opcode: number;
  readonly payload: Uint8Array;
}

export function upgradeRequest(port: number, headers: Readonly<Record<string, string>> = {}): string {
  const lines = [
    'GET /ws HTTP/1.1', `Host: 127.0.0.1:${port}`, 'Upgrade: websocket', 'Connection: Upgrade',
    `Sec-WebSocket-Key: ${Buffer.from(randomBytes(16)).toString('base64')}`, 'Sec-WebSocket-Version: 13',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

export function tcpConnect(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Sends an upgrade request and resolves with the HTTP status and the socket (paused), positioned after the answer's headers. */
export async function rawUpgrade(port: number, options: { localAddress?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; socket: Socket; rest: Buffer }> {
  const socket = await tcpConnect(port, options.localAddress);
  socket.write(upgradeRequest(port, options.headers));
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      // Held until a reader attaches, or the next bytes would be emitted to no one.
      socket.pause();
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received.subarray(0, end).toString())?.[1] ?? 0);
      resolve({ status, socket, rest: received.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed before an HTTP answer')));
  });
}

/** One masked client frame, as RFC 6455 requires of clients. */
export function clientFrame(opcode: number, payload: Uint8Array, fin: boolean): Uint8Array {
  const length = payload.length;
  const header = length < 126 ? [length | 0x80] : length < 0x10000 ? [126 | 0x80, length >> 8, length & 0xff] : [127 | 0x80, 0, 0, 0, 0, length >>> 24, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff];
  const mask = randomBytes(4);
  const out = new Uint8Array(1 + header.length + 4 + length);
  out[0] = (fin ? 0x80 : 0) | opcode;
  out.set(header, 1);
  out.set(mask, 1 + header.length);
  for (let i = 0; i < length; i++) out[1 + header.length + 4 + i] = payload[i]! ^ mask[i % 4]!;
  return out;
}

/** `payload` as a message of one-byte fragments: a first binary frame, then continuations, the last with FIN. */
export function fragmented(payload: Uint8Array, finish = true): Uint8Array {
  const frames = [...payload].map((byte, i) => clientFrame(i === 0 ? OPCODE.binary : OPCODE.continuation, Uint8Array.of(byte), finish && i === payload.length - 1));
  return Buffer.concat(frames);
}

/** Collects the server's (unmasked) frames until a close frame arrives or the socket closes. */
export function serverFrames(socket: Socket, initial: Buffer): Promise<ServerFrame[]> {
  return new Promise((resolve) => {
    let buffer = initial;
    const frames: ServerFrame[] = [];
    const parse = (): void => {
      for (;;) {
        if (buffer.length < 2) return;
        let length = buffer[1]! & 0x7f;
        let offset = 2;
        if (length === 126) {
          if (buffer.length < 4) return;
          length = buffer.readUInt16BE(2);
          offset = 4;
        } else if (length === 127) {
          if (buffer.length < 10) return;
          length = Number(buffer.readBigUInt64BE(2));
          offset = 10;
        }
        if (buffer.length < offset + length) return;
        const frame = { opcode: buffer[0]! & 0x0f, payload: new Uint8Array(buffer.subarray(offset, offset + length)) };
        frames.push(frame);
        buffer = buffer.subarray(offset + length);
        // The server would wait for our close frame before ending the TCP connection; we have what we came for.
        if (frame.opcode === OPCODE.close) {
          socket.destroy();
          return;
        }
      }
    };
    parse();
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      parse();
    });
    socket.once('close', () => resolve(frames));
    socket.resume();
  });
}

/** The status code a close frame carries, or undefined. */
export function closeCode(frames: readonly ServerFrame[]): number | undefined {
  const close = frames.find((f) => f.opcode === OPCODE.close);
  return close === undefined || close.payload.length < 2 ? undefined : (close.payload[0]! << 8) | close.payload[1]!;
}
