/**
 * Framing of SIP over a byte stream (RFC 3261 §18.3): each message is its header section plus
 * exactly Content-Length body bytes. Between messages, RFC 5626 §3.5.1 keep-alives: a double
 * CRLF is a "ping", a single CRLF a "pong"; stray CRLFs before a message are tolerated (§7.5).
 */
import { SipParseError } from './errors.js';
import { MAX_MESSAGE_BYTES } from './parse.js';
import { isWs, parseDigits, trimLws } from './scan.js';

export type FramerEvent = { readonly kind: 'message'; readonly data: Buffer } | { readonly kind: 'ping' } | { readonly kind: 'pong' };

const CR = 13;
const LF = 10;
const EMPTY = Buffer.alloc(0);
const AGAIN = 'again';

/** One per connection. After `push` throws, the connection must be closed. */
export class SipStreamFramer {
  private pending: Buffer = EMPTY;
  /** True once the first byte of a message has been seen. */
  private inMessage = false;
  /** Where the search for the end of the header section resumes. */
  private scanFrom = 0;
  /** Total size of the current message once its header section is complete, else -1. */
  private total = -1;

  push(chunk: Buffer): FramerEvent[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: FramerEvent[] = [];
    for (;;) {
      const ev = this.next();
      if (ev === undefined) return out;
      if (ev !== AGAIN) out.push(ev);
    }
  }

  /** Bytes received but not yet framed (for diagnostics and tests). */
  get buffered(): number {
    return this.pending.length;
  }

  private next(): FramerEvent | typeof AGAIN | undefined {
    const p = this.pending;
    if (p.length === 0) return undefined;
    if (!this.inMessage) {
      if (p[0] === CR || p[0] === LF) return this.keepAlive(p);
      this.inMessage = true;
    }
    if (this.total < 0 && !this.findHeaderEnd(p)) return undefined;
    if (p.length < this.total) return undefined;
    const data = Buffer.from(p.subarray(0, this.total));
    this.pending = p.subarray(this.total);
    this.inMessage = false;
    this.scanFrom = 0;
    this.total = -1;
    return { kind: 'message', data };
  }

  /** At a message boundary: CRLFCRLF is a ping, a lone CRLF a pong, a bare LF is skipped. */
  private keepAlive(p: Buffer): FramerEvent | typeof AGAIN | undefined {
    if (p[0] === LF) {
      this.pending = p.subarray(1);
      return AGAIN;
    }
    if (p.length < 2) return undefined;
    if (p[1] !== LF) throw new SipParseError('stray CR between messages');
    if (p.length === 2 || p[2] !== CR) {
      this.pending = p.subarray(2);
      return { kind: 'pong' };
    }
    if (p.length === 3) return undefined;
    if (p[3] !== LF) throw new SipParseError('stray CR between messages');
    this.pending = p.subarray(4);
    return { kind: 'ping' };
  }

  /** Looks for the empty line; when found, sets `total` from Content-Length. */
  private findHeaderEnd(p: Buffer): boolean {
    let i = p.indexOf(LF, this.scanFrom);
    while (i >= 0) {
      if (i + 1 >= p.length || (p[i + 1] === CR && i + 2 >= p.length)) break;
      const bodyStart = p[i + 1] === LF ? i + 2 : p[i + 1] === CR && p[i + 2] === LF ? i + 3 : -1;
      if (bodyStart > 0) {
        if (bodyStart > MAX_MESSAGE_BYTES) throw new SipParseError('header section larger than 64 KiB');
        const length = contentLengthOf(p.toString('latin1', 0, bodyStart));
        if (bodyStart + length > MAX_MESSAGE_BYTES) throw new SipParseError('message larger than 64 KiB');
        this.total = bodyStart + length;
        return true;
      }
      i = p.indexOf(LF, i + 1);
    }
    this.scanFrom = i >= 0 ? i : Math.max(0, p.length - 1);
    if (p.length > MAX_MESSAGE_BYTES) throw new SipParseError('header section larger than 64 KiB');
    return false;
  }
}

/** §18.3: on a stream Content-Length is mandatory (compact form `l`, folding allowed). */
function contentLengthOf(head: string): number {
  const lines = head.split('\n');
  let value: string | undefined;
  for (let k = 1; k < lines.length; k++) {
    const line = lines[k].endsWith('\r') ? lines[k].slice(0, -1) : lines[k];
    const colon = line.indexOf(':');
    if (colon < 0 || isWs(line.charCodeAt(0))) continue;
    const name = trimLws(line.slice(0, colon)).toLowerCase();
    if (name !== 'content-length' && name !== 'l') continue;
    let v = trimLws(line.slice(colon + 1));
    while (k + 1 < lines.length && isWs(lines[k + 1].charCodeAt(0))) v = trimLws(`${v} ${trimLws(lines[++k].replace(/\r$/, ''))}`);
    if (value !== undefined && value !== v) throw new SipParseError('conflicting Content-Length headers');
    value = v;
  }
  if (value === undefined) throw new SipParseError('stream message without Content-Length');
  const n = parseDigits(value, 0, value.length, MAX_MESSAGE_BYTES);
  if (Number.isNaN(n)) throw new SipParseError('invalid or too large Content-Length');
  return n;
}
