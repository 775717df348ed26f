import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/**
 * Where test ports come from: below the kernel's ephemeral range (32768–60999 on Linux), so a
 * socket bound to port 0 meanwhile (a DNS query, an HTTP client, another test's stack) can never
 * be handed the port between our check and the test's own bind.
 */
const LOW = 10000;
const HIGH = 19998;

/** Ports this process has handed out (each with its +1 and +2): never handed out again. */
const issued = new Set<number>();

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const u = createSocket('udp4');
    u.once('error', () => resolve(false));
    u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
  });
}

/**
 * An even port free for both UDP and TCP on 127.0.0.1 right now (sipp and our stack use both),
 * with the next two free as well (sipp binds port+1 and +2 for media and RTCP in some modes).
 */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 500; tries++) {
    const port = LOW + 2 * Math.floor(Math.random() * ((HIGH - LOW) / 2));
    // Not next to one handed out before (sipp's port+2 would be another sipp's port).
    if ([port - 2, port - 1, port, port + 1, port + 2].some((p) => issued.has(p))) continue;
    let ok = true;
    for (let p = port; p <= port + 2 && ok; p++) ok = (await tcpFree(p)) && (await udpFree(p));
    if (!ok) continue;
    for (let p = port; p <= port + 2; p++) issued.add(p);
    return port;
  }
  throw new Error(`no free port between ${LOW} and ${HIGH + 2}`);
}
