import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { Socket } from 'node:net';

export interface RawChargerOptions {
  /** ws://host:port/ocpp, without the identity. */
  readonly endpoint: string;
  readonly identity: string;
  readonly password: string;
  /** The Sec-WebSocket-Protocol offer; empty: the header is left out. */
  readonly protocols: readonly string[];
}

/** The handshake was answered with an HTTP status instead of 101. */
export class HandshakeRefusedError extends Error {
  override readonly name = 'HandshakeRefusedError';
  constructor(readonly statusCode: number) {
    super(`handshake refused with ${statusCode}`);
  }
}

/**
 * A charger that writes WebSocket frames by hand, so that it can send what no OCPP library would and stop
 * reading whenever a test wants: it never answers the CSMS's close frame, and it never reads what it is sent.
 */
export class RawCharger {
  readonly #socket: Socket;

  private constructor(socket: Socket, readonly protocol: string | undefined) {
    this.#socket = socket;
    // The CSMS may drop the socket while frames are still on their way; that is what tests provoke.
    socket.on('error', () => undefined);
    socket.pause();
  }

  static async connect(options: Readonly<RawChargerOptions>): Promise<RawCharger> {
    const url = new URL(`${options.endpoint}/${options.identity}`.replace(/^ws/, 'http'));
    const headers: Record<string, string> = {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': randomBytes(16).toString('base64'),
      authorization: `Basic ${Buffer.from(`${options.identity}:${options.password}`).toString('base64')}`,
    };
    if (options.protocols.length > 0) headers['sec-websocket-protocol'] = options.protocols.join(', ');
    return new Promise((resolve, reject) => {
      const outgoing = request(url, { headers, agent: false });
      outgoing.once('upgrade', (response, socket) => {
        const protocol = response.headers['sec-websocket-protocol'];
        resolve(new RawCharger(socket, typeof protocol === 'string' ? protocol : undefined));
      });
      outgoing.once('response', (response) => {
        response.resume();
        reject(new HandshakeRefusedError(response.statusCode ?? 0));
      });
      outgoing.once('error', reject);
      outgoing.end();
    });
  }

  /** One text frame, masked as a client must, with an all-zero key so the payload goes as it is. */
  send(text: string): void {
    const payload = Buffer.from(text, 'utf8');
    let header: Buffer;
    if (payload.length < 126) {
      header = Buffer.from([0x81, 0x80 | payload.length]);
    } else if (payload.length < 65_536) {
      header = Buffer.alloc(4);
      header.writeUInt8(0x81, 0);
      header.writeUInt8(0x80 | 126, 1);
      header.writeUInt16BE(payload.length, 2);
    } else {
      header = Buffer.alloc(10);
      header.writeUInt8(0x81, 0);
      header.writeUInt8(0x80 | 127, 1);
      header.writeBigUInt64BE(BigInt(payload.length), 2);
    }
    this.#socket.write(Buffer.concat([header, Buffer.alloc(4), payload]));
  }

  /** Drops the TCP connection without a close frame. */
  destroy(): void {
    this.#socket.destroy();
  }
}
