/**
 * The media I/O thread (issue 13 §3): owns the RTP/RTCP sockets and sends each datagram at its
 * due time. The sessions on the main thread build their packets a little ahead of time
 * (`PlayoutScheduler` `leadMs`), so a garbage collection or a long task there no longer delays
 * the audio on the wire: this thread, with its own heap, keeps the 20 ms pace. Per socket the
 * datagrams leave in the order they were sent (a packet due "now" waits behind those queued).
 * Received datagrams go back in batches, one per turn of this thread's event loop.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { parentPort } from 'node:worker_threads';
import { monotonicMs, REPLACES, ROW, type IoCommand, type IoEvent, type OutBatch } from './io-protocol.js';

interface Entry {
  readonly sock: Sock;
  due: number;
  bytes: Buffer;
}

interface Sock {
  readonly id: number;
  readonly socket: Socket;
  port: number;
  address: string;
  connected: boolean;
  /**
   * Datagrams due while a connect() is under way. Node completes a connect on a later tick, and a
   * datagram sent with an address meanwhile fails (EISCONN) once it has: they wait for it.
   */
  held: Buffer[] | null;
  /** Effective due time of the last datagram queued: a later one never leaves before it. */
  lastDue: number;
  queued: number;
  /** This socket's entries still in the queue, oldest first (they leave in this order). */
  readonly pending: Entry[];
  closing: boolean;
}

const socks = new Map<number, Sock>();
let queue: Entry[] = [];
let head = 0;
let timer: NodeJS.Timeout | null = null;
let timerAt = Infinity;
/** A timer may fire up to this much early on Node's 1 ms grid: what is due that soon goes now. */
const EARLY_MS = 0.5;

function post(e: IoEvent, transfer: ArrayBuffer[] = []): void {
  parentPort?.postMessage(e, transfer);
}

// ---- receive: one batch per event-loop turn ----
let rxData = new Uint8Array(64 * 1024);
let rxUsed = 0;
let rxRows: number[] = [];
let rxAddresses: string[] = [];
let rxScheduled = false;

function received(sock: Sock, msg: Buffer, rinfo: RemoteInfo): void {
  if (rxUsed + msg.length > rxData.length) {
    const bigger = new Uint8Array(Math.max(rxData.length * 2, rxUsed + msg.length));
    bigger.set(rxData.subarray(0, rxUsed));
    rxData = bigger;
  }
  rxData.set(msg, rxUsed);
  rxRows.push(sock.id, rinfo.port, rxUsed, msg.length); // RX_ROW numbers
  rxAddresses.push(rinfo.address);
  rxUsed += msg.length;
  if (!rxScheduled) {
    rxScheduled = true;
    setImmediate(flushReceived);
  }
}

function flushReceived(): void {
  rxScheduled = false;
  if (rxRows.length === 0) return;
  const data = rxData.slice(0, rxUsed).buffer;
  const rows = new Float64Array(rxRows);
  post({ k: 'rx', data, rows, addresses: rxAddresses }, [data, rows.buffer]);
  rxUsed = 0;
  rxRows = [];
  rxAddresses = [];
}

// ---- send: datagrams in due order ----
function enqueue(sock: Sock, due: number, bytes: Buffer): void {
  const at = Math.max(due, sock.lastDue);
  sock.lastDue = at;
  if (sock.pending.length === 0 && at <= monotonicMs() + EARLY_MS) {
    // Due now and nothing of this socket waits (bridged audio, RTCP): it goes at once.
    transmit(sock, bytes);
    return;
  }
  sock.queued++;
  const e: Entry = { sock, due: at, bytes };
  sock.pending.push(e);
  // Nearly always the last place: the ticks come in order.
  let i = queue.length;
  while (i > head && queue[i - 1].due > at) i--;
  if (i === queue.length) queue.push(e);
  else queue.splice(i, 0, e);
}

/**
 * A rebuilt packet takes the place of the queued one with its sequence number, and goes at its own
 * due time when that is earlier (never before the socket's packets ahead of it); too late, it is
 * dropped.
 */
function replace(sock: Sock, due: number, bytes: Buffer): void {
  if (bytes.length < 4) return;
  const seq = bytes.readUInt16BE(2);
  const pending = sock.pending;
  for (let k = 0; k < pending.length; k++) {
    const e = pending[k];
    if (e.bytes.length < 4 || e.bytes.readUInt16BE(2) !== seq) continue;
    e.bytes = bytes;
    const at = Math.max(due, k > 0 ? pending[k - 1].due : -Infinity);
    if (at < e.due) move(e, at);
    return;
  }
}

/** Moves a queued entry to an earlier due time, keeping the queue in due order. */
function move(e: Entry, at: number): void {
  const i = queue.indexOf(e, head);
  if (i < 0) return;
  queue.splice(i, 1);
  e.due = at;
  let j = i;
  while (j > head && queue[j - 1].due > at) j--;
  queue.splice(j, 0, e);
}

function arm(): void {
  if (head >= queue.length) {
    if (timer) clearTimeout(timer);
    timer = null;
    timerAt = Infinity;
    return;
  }
  const at = queue[head].due;
  if (timer && timerAt <= at) return;
  if (timer) clearTimeout(timer);
  timerAt = at;
  timer = setTimeout(sendDue, Math.max(0, at - monotonicMs()));
}

function sendDue(): void {
  timer = null;
  timerAt = Infinity;
  const now = monotonicMs() + EARLY_MS;
  while (head < queue.length && queue[head].due <= now) {
    const e = queue[head++];
    e.sock.pending.shift();
    transmit(e.sock, e.bytes);
    if (--e.sock.queued === 0) closeIfDone(e.sock);
  }
  if (head > 1024 && head * 2 > queue.length) {
    queue = queue.slice(head);
    head = 0;
  }
  arm();
}

function transmit(s: Sock, bytes: Buffer): void {
  if (s.held) {
    s.held.push(bytes);
    return;
  }
  try {
    if (s.connected) s.socket.send(bytes);
    else if (s.port !== 0) s.socket.send(bytes, s.port, s.address);
  } catch (e) {
    post({ k: 'error', id: s.id, message: e instanceof Error ? e.message : String(e), code: (e as NodeJS.ErrnoException).code });
  }
}

/** A closing socket closes once nothing it was given is left to send. */
function closeIfDone(s: Sock): void {
  if (s.closing && s.queued === 0 && !s.held) closeNow(s);
}

function closeNow(s: Sock): void {
  socks.delete(s.id);
  try {
    s.socket.close();
  } catch {
    // Already closed.
  }
}

// ---- commands ----
function bind(c: Extract<IoCommand, { k: 'bind' }>): void {
  const socket = createSocket({ type: c.address.includes(':') ? 'udp6' : 'udp4' });
  const fail = (e: NodeJS.ErrnoException): void => {
    socket.close();
    post({ k: 'bound', id: c.id, error: e.message, code: e.code });
  };
  socket.once('error', fail);
  socket.bind({ port: c.port, address: c.address, exclusive: true }, () => {
    socket.off('error', fail);
    const s: Sock = { id: c.id, socket, port: 0, address: '', connected: false, held: null, lastDue: 0, queued: 0, pending: [], closing: false };
    socks.set(c.id, s);
    socket.on('message', (msg, rinfo) => received(s, msg, rinfo));
    socket.on('error', (e: NodeJS.ErrnoException) => post({ k: 'error', id: c.id, message: e.message, code: e.code }));
    post({ k: 'bound', id: c.id });
  });
}

function command(c: IoCommand): void {
  if (c.k === 'bind') return bind(c);
  const s = socks.get(c.id);
  if (!s || s.closing) return;
  switch (c.k) {
    case 'dest':
      s.port = c.port;
      s.address = c.address;
      return;
    case 'connect':
      s.held ??= [];
      s.socket.connect(c.port, c.address, (err?: Error) => {
        if (!err) s.connected = true;
        const held = s.held ?? [];
        s.held = null;
        for (const b of held) transmit(s, b);
        closeIfDone(s);
        post({ k: 'connected', id: c.id, req: c.req, error: err?.message });
      });
      return;
    case 'disconnect':
      s.connected = false;
      try {
        s.socket.disconnect();
      } catch {
        // Not connected (yet): nothing to undo.
      }
      return;
    case 'close':
      s.closing = true;
      closeIfDone(s);
  }
}

parentPort?.on('message', (m: OutBatch) => {
  const base = Buffer.from(m.data);
  const rows = m.rows;
  const n = rows.length / ROW;
  let ci = 0;
  for (let i = 0; i < n; i++) {
    while (ci < m.commands.length && m.commands[ci].at <= i) command(m.commands[ci++]);
    const r = i * ROW;
    const s = socks.get(rows[r]);
    if (!s || s.closing) continue;
    const bytes = base.subarray(rows[r + 2], rows[r + 2] + rows[r + 3]);
    if (rows[r + 4] === REPLACES) replace(s, rows[r + 1], bytes);
    else enqueue(s, rows[r + 1], bytes);
  }
  while (ci < m.commands.length) command(m.commands[ci++]);
  sendDue();
});
