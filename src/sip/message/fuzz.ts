/**
 * Random-mutation fuzzing of the parser (DESIGN.md §4.10). Valid seed messages are mutated
 * (byte flips, truncations, duplicated/removed/swapped lines, huge numbers, stray separators,
 * CR/LF/LWS in random places). A failure is any throw that is not SipParseError, or a message
 * that parses but whose serialisation does not parse back to the same essentials.
 */
import { errorMessage } from '../../kernel/errors.js';
import { SipParseError } from './errors.js';
import { SipStreamFramer } from './stream-framer.js';
import { parseMessageUnguarded } from './parse.js';
import { serializeMessage } from './serialize.js';
import { loadTorture } from './torture.js';
import type { SipMessage } from './types.js';
import { prng } from '../../kernel/random.js';

export interface FuzzFailure {
  /** The mutated input, one char per octet (latin1). */
  readonly input: string;
  readonly error: string;
}

export interface FuzzResult {
  readonly count: number;
  /** How many mutants parsed (the rest were rejected with SipParseError). */
  readonly parsed: number;
  readonly failures: FuzzFailure[];
}

const SDP = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n';

function msg(lines: string[], body = ''): Buffer {
  return Buffer.from(`${lines.join('\r\n')}\r\n${body.length > 0 ? `Content-Length: ${Buffer.byteLength(body)}\r\n` : ''}\r\n${body}`);
}

/** Ordinary traffic of a gateway, plus the RFC 4475 torture messages. */
export function fuzzSeeds(): Buffer[] {
  const dialog = ['From: "Alice" <sip:alice@atlanta.example.com>;tag=9fxced76sl', 'To: <sip:bob@biloxi.example.com>;tag=8321234356', 'Call-ID: 3848276298220188511@atlanta.example.com'];
  const seeds = [
    msg(
      [
        'INVITE sip:+15551234567@carrier.example.com;user=phone SIP/2.0',
        'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK74bf9;rport',
        'Max-Forwards: 70',
        'From: "Alice" <sip:alice@atlanta.example.com>;tag=9fxced76sl',
        'To: <tel:+1-555-123-4567>',
        'Call-ID: 3848276298220188511@atlanta.example.com',
        'CSeq: 1 INVITE',
        'Contact: <sip:alice@192.0.2.10:5060;transport=udp>;+sip.instance="<urn:uuid:0001>"',
        'Route: <sip:[2001:db8::1]:5080;lr>, <sip:proxy.example.com;lr>',
        'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY',
        'Supported: timer, replaces',
        'P-Asserted-Identity: "Alice" <sip:+15550001111@atlanta.example.com>',
        'Content-Type: application/sdp',
      ],
      SDP,
    ),
    msg(['SIP/2.0 200 OK', 'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK74bf9;rport=5060;received=198.51.100.7', 'Record-Route: <sip:p1.example.com;lr>', ...dialog, 'CSeq: 1 INVITE', 'Contact: <sip:bob@192.0.2.4>', 'Content-Type: application/sdp'], SDP),
    msg([
      'REGISTER sip:registrar.example.com SIP/2.0',
      'Via: SIP/2.0/TCP 192.0.2.10:5060;branch=z9hG4bKnashds7',
      'Max-Forwards: 70',
      'From: <sip:alice@example.com>;tag=a73kszlfl',
      'To: <sip:alice@example.com>',
      'Call-ID: 1j9FpLxk3uxtm8tn@192.0.2.10',
      'CSeq: 2 REGISTER',
      'Contact: <sip:alice@192.0.2.10>;expires=3600, "Mobile" <sip:alice@[2001:db8::10]:5070>;q=0.5',
      'Authorization: Digest username="alice", realm="example.com", nonce="ea9c8e88df84f1cec4341ae6cbe5a359", uri="sip:registrar.example.com", response="dfe56131d1958046689d83306477ecc", algorithm=MD5, cnonce="0a4f113b", qop=auth, nc=00000001',
      'Content-Length: 0',
    ]),
    msg(['BYE sip:alice@192.0.2.10 SIP/2.0', 'v: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds10', 'Max-Forwards: 70', 'f: <sip:bob@biloxi.example.com>;tag=8321234356', 't: "Alice" <sip:alice@atlanta.example.com>;tag=9fxced76sl', 'i: 3848276298220188511@atlanta.example.com', 'CSeq: 2 BYE', 'l: 0']),
  ];
  // Weighted towards messages that parse, so that mutants reach the deeper parsers.
  const ordinary = [...seeds, ...seeds, ...seeds];
  for (const [name, b] of loadTorture()) ordinary.push(...(name.startsWith('3.1.1.') ? [b, b] : [b]));
  return ordinary;
}

export { prng };

const SEPARATORS = [';', ',', ':', '<', '>', '"', '\\', '@', '=', '?', '[', ']', '/', ' ', '\t', '%', '*', '\u00e9', '\u0000'];
const BREAKS = ['\r\n', '\r\n ', '\r\n\t', '\n', '\r', ' ', '  ', '\r\n\r\n'];
const NUMBERS = ['0', '-1', '65536', '4294967296', '2147483648', '99999999999999999999', '1e3', '0x10', '00000000000000000000000000000001'];

function splitLines(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, start)) {
    out.push(b.subarray(start, i + 1));
    start = i + 1;
  }
  out.push(b.subarray(start));
  return out;
}

function insert(b: Buffer, at: number, s: string): Buffer {
  return Buffer.concat([b.subarray(0, at), Buffer.from(s, 'utf8'), b.subarray(at)]);
}

/** One random mutation of `b`. */
export function mutate(b: Buffer, rnd: () => number): Buffer {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const pos = (): number => Math.floor(rnd() * (b.length + 1));
  switch (Math.floor(rnd() * 9)) {
    case 0: {
      const c = Buffer.from(b);
      if (c.length > 0) c[Math.min(pos(), c.length - 1)] = Math.floor(rnd() * 256);
      return c;
    }
    case 1:
      return b.subarray(0, pos());
    case 2: {
      const lines = splitLines(b);
      const i = Math.floor(rnd() * lines.length);
      lines.splice(i, 0, lines[i]);
      return Buffer.concat(lines);
    }
    case 3: {
      const lines = splitLines(b);
      lines.splice(Math.floor(rnd() * lines.length), 1);
      return Buffer.concat(lines);
    }
    case 4: {
      const lines = splitLines(b);
      const i = Math.floor(rnd() * lines.length);
      const j = Math.floor(rnd() * lines.length);
      [lines[i], lines[j]] = [lines[j], lines[i]];
      return Buffer.concat(lines);
    }
    case 5: {
      // Replace a run of digits by an odd number.
      const s = b.toString('latin1');
      const start = s.slice(pos()).search(/[0-9]/);
      if (start < 0) return insert(b, pos(), pick(NUMBERS));
      const at = s.length - s.slice(pos()).length + start;
      let end = at;
      while (end < s.length && s.charCodeAt(end) >= 48 && s.charCodeAt(end) <= 57) end++;
      return Buffer.concat([b.subarray(0, at), Buffer.from(pick(NUMBERS)), b.subarray(end)]);
    }
    case 6:
      return insert(b, pos(), pick(SEPARATORS));
    case 7:
      return insert(b, pos(), pick(BREAKS));
    default: {
      const at = pos();
      return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + Math.floor(rnd() * 8)))]);
    }
  }
}

function essentials(m: SipMessage): string {
  const start = m.kind === 'request' ? `${m.method}` : `${m.status} ${m.reason}`;
  return JSON.stringify([start, m.callId, m.cseq, m.via.length, m.from.params.tag, m.to.params.tag, m.contact.length, m.body.length]);
}

/** Feeds the input to a stream framer in two chunks: only SipParseError may come out. */
function checkFramer(input: Buffer, cut: number): string | undefined {
  try {
    const f = new SipStreamFramer();
    f.push(input.subarray(0, cut));
    f.push(input.subarray(cut));
  } catch (e) {
    if (!(e instanceof SipParseError)) return `framer threw ${e instanceof Error ? e.name : typeof e}: ${errorMessage(e)}`;
  }
  return undefined;
}

/** Parses one input; `error` is set when the input reveals a bug. */
export function check(input: Buffer, cut = input.length >> 1): { parsed: boolean; error?: string } {
  const framerError = checkFramer(input, cut);
  if (framerError !== undefined) return { parsed: false, error: framerError };
  let m: SipMessage;
  try {
    m = parseMessageUnguarded(input);
  } catch (e) {
    return e instanceof SipParseError ? { parsed: false } : { parsed: false, error: `parse threw ${e instanceof Error ? e.name : typeof e}: ${errorMessage(e)}` };
  }
  try {
    const again = parseMessageUnguarded(serializeMessage(m));
    if (essentials(again) !== essentials(m)) return { parsed: true, error: `re-parse differs: ${essentials(m)} vs ${essentials(again)}` };
  } catch (e) {
    return { parsed: true, error: `serialised message does not re-parse: ${errorMessage(e)}` };
  }
  return { parsed: true };
}

export function fuzz(count: number, seed: number): FuzzResult {
  const rnd = prng(seed);
  const seeds = fuzzSeeds();
  const failures: FuzzFailure[] = [];
  let parsed = 0;
  for (let n = 0; n < count; n++) {
    let b = seeds[Math.floor(rnd() * seeds.length)];
    const rounds = 1 + Math.floor(rnd() * 3);
    for (let r = 0; r < rounds; r++) b = mutate(b, rnd);
    const result = check(b, Math.floor(rnd() * (b.length + 1)));
    if (result.parsed) parsed++;
    if (result.error !== undefined) failures.push({ input: b.toString('latin1'), error: result.error });
  }
  return { count, parsed, failures };
}
