import { createSocket, type RemoteInfo } from 'node:dgram';

export interface RelayPacket {
  readonly direction: 'to-peer' | 'from-peer';
  readonly text: string;
}

/**
 * A UDP relay between one client and a fixed peer that drops the datagrams `drop` selects:
 * the way to lose a chosen SIP message deterministically in front of a real sipp.
 */
export async function startUdpRelay(peerPort: number, drop: (p: RelayPacket) => boolean): Promise<{ port: number; dropped: RelayPacket[]; close(): Promise<void> }> {
  const sock = createSocket('udp4');
  const dropped: RelayPacket[] = [];
  let client: RemoteInfo | undefined;
  sock.on('message', (data, rinfo) => {
    const fromPeer = rinfo.port === peerPort;
    if (!fromPeer) client = rinfo;
    const p: RelayPacket = { direction: fromPeer ? 'from-peer' : 'to-peer', text: data.toString('latin1') };
    if (drop(p)) {
      dropped.push(p);
      return;
    }
    if (fromPeer) {
      if (client) sock.send(data, client.port, client.address);
    } else {
      sock.send(data, peerPort, '127.0.0.1');
    }
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  return {
    port: sock.address().port,
    dropped,
    close: () => new Promise<void>((r) => sock.close(() => r())),
  };
}
