import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { SipTransportError } from './errors.js';

/** RFC 3261 §18 over UDP: one socket, datagram in, datagram out. */
export class UdpTransport {
  private socket: Socket | undefined;

  constructor(private readonly onDatagram: (data: Buffer, from: RemoteInfo) => void) {}

  bind(address: string, port: number): Promise<number> {
    const socket = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', reuseAddr: false });
    this.socket = socket;
    socket.on('message', (data, rinfo) => this.onDatagram(data, rinfo));
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, address, () => {
        socket.off('error', reject);
        // Socket errors after bind (ICMP unreachable on some systems) must not crash the process.
        socket.on('error', () => undefined);
        resolve(socket.address().port);
      });
    });
  }

  send(data: Buffer, address: string, port: number): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new SipTransportError('UDP transport is not bound'));
    return new Promise((resolve, reject) => {
      socket.send(data, port, address, (err) => (err ? reject(new SipTransportError(`UDP send to ${address}:${port} failed: ${err.message}`, { cause: err })) : resolve()));
    });
  }

  close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => socket.close(() => resolve()));
  }
}
