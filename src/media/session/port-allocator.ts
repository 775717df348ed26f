/**
 * RTP/RTCP port pairs from a configured range (VGW_RTP_PORTS): RTP on an even port, RTCP on the
 * next odd one (RFC 3550 §11). Ports are tried round-robin so a just-freed pair is not reused
 * at once (late packets of the old call would land in the new one).
 */
import { createSocket } from 'node:dgram';
import { MediaSessionError } from './errors.js';
import type { MediaSocket } from './media-socket.js';

export interface PortRange {
  readonly min: number;
  readonly max: number;
}

export interface BoundPair {
  readonly port: number;
  readonly rtp: MediaSocket;
  readonly rtcp: MediaSocket;
}

/** Binds one UDP socket exclusively; rejects as `dgram` does (EADDRINUSE …). */
export type BindSocket = (port: number, address: string) => Promise<MediaSocket>;

/** Binds on this thread. */
export function bindHere(port: number, address: string): Promise<MediaSocket> {
  return new Promise((resolve, reject) => {
    const s = createSocket({ type: address.includes(':') ? 'udp6' : 'udp4' });
    const onError = (e: Error): void => {
      s.close();
      reject(e);
    };
    s.once('error', onError);
    s.bind({ port, address, exclusive: true }, () => {
      s.off('error', onError);
      resolve(s);
    });
  });
}

export class PortAllocator {
  readonly #first: number;
  readonly #pairs: number;
  readonly #inUse = new Set<number>();
  #next = 0;

  constructor(range: PortRange, private readonly address = '0.0.0.0', private readonly bind: BindSocket = bindHere) {
    this.#first = range.min + (range.min % 2);
    this.#pairs = Math.max(0, Math.floor((range.max - this.#first + 1) / 2));
  }

  get inUse(): number {
    return this.#inUse.size;
  }

  /** Binds the next free pair; MEDIA_NO_PORTS when the whole range is taken. */
  async allocate(): Promise<BoundPair> {
    for (let tried = 0; tried < this.#pairs; tried++) {
      const port = this.#first + 2 * this.#next;
      this.#next = (this.#next + 1) % this.#pairs;
      if (this.#inUse.has(port)) continue;
      this.#inUse.add(port);
      try {
        const rtp = await this.bind(port, this.address);
        try {
          return { port, rtp, rtcp: await this.bind(port + 1, this.address) };
        } catch (e) {
          rtp.close();
          throw e;
        }
      } catch {
        // Taken by another process: try the next pair.
        this.#inUse.delete(port);
      }
    }
    throw new MediaSessionError('MEDIA_NO_PORTS', `no free RTP port pair in ${this.#first}-${this.#first + 2 * this.#pairs - 1}`);
  }

  release(port: number): void {
    this.#inUse.delete(port);
  }
}
