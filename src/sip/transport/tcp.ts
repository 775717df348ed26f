import { connect, createServer } from 'node:net';
import { SipTransportError } from './errors.js';
import { StreamTransport, type StreamFlavour, type StreamOptions } from './stream.js';

/** RFC 3261 §18 over TCP: accepted sockets are usable at once; opened ones once connected. */
const tcpFlavour: StreamFlavour = {
  transport: 'tcp',
  createServer: (adopt) => createServer((socket) => adopt(socket, { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 })),
  connect(dest) {
    const socket = connect({ host: dest.address, port: dest.port });
    const ready = new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', (e) => reject(new SipTransportError(`TCP connect to ${dest.address}:${dest.port} failed: ${e.message}`, { cause: e })));
    });
    return { socket, ready };
  },
};

/** The TCP transport (see `StreamTransport`). */
export function createTcpTransport(opts: StreamOptions): StreamTransport {
  return new StreamTransport(tcpFlavour, opts);
}
