/**
 * The part of a UDP socket a media session uses. A Node `dgram.Socket` is one; a `ThreadSocket`
 * (io-thread.ts) is another, whose datagrams are sent and received by the media I/O thread.
 */
import type { RemoteInfo } from 'node:dgram';

export interface MediaSocket {
  /** Sends to the connected destination (only while connected). */
  send(msg: Uint8Array): void;
  send(msg: Uint8Array, port: number, address: string): void;
  connect(port: number, address: string, callback: (err?: Error) => void): void;
  disconnect(): void;
  on(event: 'message', listener: (msg: Buffer, rinfo: RemoteInfo) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  close(): void;
}
