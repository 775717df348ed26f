/**
 * RFC 3261 §7 message parsing: start line, header fields (with §7.3.1 folding and §7.3.3
 * compact forms), and the body delimited by Content-Length (§18.3, §20.14).
 */
import { isUtf8 } from 'node:buffer';
import { errorMessage } from '../../kernel/errors.js';
import { parseContentLength } from './cseq.js';
import { SipParseError } from './errors.js';
import { canonicalName } from './header-names.js';
import { isToken, isWs, trimLws } from './scan.js';
import type { SipHeader, SipMessage, SipRequest, SipResponse, Uri, Via } from './types.js';
import { isSipUri, parseUri } from './uri.js';
import { parseVia } from './via.js';
import { requireMandatory, viewOf, type CompleteView } from './view.js';

/** Limits: a datagram-sized message, a bounded header count and header line length. */
export const MAX_MESSAGE_BYTES = 65536;
export const MAX_HEADERS = 256;
export const MAX_START_LINE = 8192;
export const MAX_HEADER_LINE = 16384;

const CR = 13;
const LF = 10;

type StartLine =
  | { readonly kind: 'request'; readonly method: string; readonly uri: Uri }
  | { readonly kind: 'response'; readonly status: number; readonly reason: string };

/**
 * Parses one message from a datagram or a framed stream message. Throws only SipParseError;
 * for a malformed request whose method and Via can be read, the error carries `partial`.
 */
export function parseMessage(buf: Buffer): SipMessage {
  try {
    return parseMessageUnguarded(buf);
  } catch (e) {
    if (e instanceof SipParseError) throw e;
    // A safety net only: the fuzz test calls parseMessageUnguarded and treats this as a bug.
    throw new SipParseError(`unparsable message (${errorMessage(e)})`);
  }
}

/** Finds the empty line ending the header section; returns [its start, body start]. */
function findHeaderEnd(buf: Buffer, start: number): [number, number] {
  let lineStart = start;
  const len = buf.length;
  for (let i = start; i < len; i++) {
    const b = buf[i];
    if (b === LF) {
      const lineEnd = i > lineStart && buf[i - 1] === CR ? i - 1 : i;
      if (lineEnd === lineStart) return [lineStart, i + 1];
      lineStart = i + 1;
    } else if (b < 32 || b === 127) {
      // Allowed: HTAB, CR before LF, and any other control octet as a quoted-pair (§25.1).
      if (b === CR ? buf[i + 1] !== LF : b !== 9 && buf[i - 1] !== 92) throw new SipParseError('control character in header section');
    }
  }
  throw new SipParseError('header section not terminated by an empty line');
}

export function parseMessageUnguarded(buf: Buffer): SipMessage {
  if (buf.length > MAX_MESSAGE_BYTES) throw new SipParseError('message larger than 64 KiB');
  let start = 0;
  // §7.5: CRLFs before the start line are ignored.
  while (start < buf.length && (buf[start] === CR || buf[start] === LF)) start++;
  if (start === buf.length) throw new SipParseError('empty message');
  const [sectionEnd, bodyStart] = findHeaderEnd(buf, start);
  if (!isUtf8(buf.subarray(start, sectionEnd))) throw new SipParseError('header section is not UTF-8');
  const lines = buf.toString('utf8', start, sectionEnd).split('\n');
  let startLine: StartLine | undefined;
  let startError: SipParseError | undefined;
  try {
    startLine = parseStartLine(stripCr(lines[0]));
  } catch (e) {
    if (!(e instanceof SipParseError)) throw e;
    startError = e;
  }
  const method = startLine?.kind === 'request' ? startLine.method : requestMethodOf(lines[0]);
  const headers: SipHeader[] = [];
  let view: CompleteView;
  let body: Buffer;
  try {
    const lineError = readHeaders(lines, headers);
    if (startError !== undefined) throw startError;
    if (lineError !== undefined) throw lineError;
    view = requireMandatory(viewOf(headers));
    if (startLine?.kind === 'request' && view.cseq.method !== startLine.method) {
      throw new SipParseError('CSeq method does not match the request method');
    }
    body = readBody(buf, bodyStart, view.contentLength);
  } catch (e) {
    if (e instanceof SipParseError && method !== undefined) throw withPartial(e, method, headers);
    throw e;
  }
  return buildMessage(startLine as StartLine, headers, body, view);
}

function stripCr(line: string): string {
  return line.length > 0 && line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
}

/** The method of a start line that looks like a request, even a malformed one. */
function requestMethodOf(line: string): string | undefined {
  const sp = line.indexOf(' ');
  const method = line.slice(0, sp);
  return sp > 0 && isToken(method) && !/^SIP\//i.test(line) ? method : undefined;
}

function withPartial(e: SipParseError, method: string, headers: readonly SipHeader[]): SipParseError {
  const via: Via[] = [];
  try {
    for (const h of headers) if (h.name === 'Via') via.push(...parseVia(h.value));
  } catch {
    return e;
  }
  return via.length === 0 ? e : new SipParseError(e.reason, { method, via, headers });
}

/**
 * Reads the header lines into `out` (unfolding §7.3.1 continuation lines). A line that is not
 * a header is skipped and reported as the returned error, so that the rest can still be read.
 */
function readHeaders(lines: readonly string[], out: SipHeader[]): SipParseError | undefined {
  let error: SipParseError | undefined;
  let name: string | undefined;
  let value = '';
  const flush = (): void => {
    if (name === undefined) return;
    if (out.length >= MAX_HEADERS) throw new SipParseError('too many header fields');
    out.push({ name, value });
    name = undefined;
  };
  // The last element follows the final line terminator and is empty.
  for (let k = 1; k < lines.length - 1; k++) {
    const line = stripCr(lines[k]);
    if (line.length > MAX_HEADER_LINE) throw new SipParseError('header line too long');
    if (isWs(line.charCodeAt(0))) {
      if (name === undefined) error ??= new SipParseError('continuation line without a header');
      else {
        const more = trimLws(line);
        value = value.length === 0 ? more : more.length === 0 ? value : `${value} ${more}`;
        if (value.length > MAX_HEADER_LINE) throw new SipParseError('header line too long');
      }
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    const raw = colon < 0 ? '' : trimLws(line.slice(0, colon));
    if (!isToken(raw)) {
      error ??= new SipParseError(colon < 0 ? 'header line without a colon' : 'bad header name');
      continue;
    }
    name = canonicalName(raw);
    value = trimLws(line.slice(colon + 1));
  }
  flush();
  return error;
}

function parseStartLine(line: string): StartLine {
  if (line.length > MAX_START_LINE) throw new SipParseError('start line too long');
  if (/^SIP\//i.test(line)) return parseStatusLine(line);
  // §7.1 Request-Line = Method SP Request-URI SP SIP-Version CRLF: single spaces, nothing else.
  const parts = line.split(' ');
  if (parts.length !== 3 || parts[1].length === 0) throw new SipParseError('malformed request line');
  const [method, uriText, version] = parts;
  if (!isToken(method)) throw new SipParseError('bad method');
  if (version.toUpperCase() !== 'SIP/2.0') throw new SipParseError(`unsupported SIP version ${version.slice(0, 20)}`);
  const uri = parseUri(uriText);
  // §19.1.1 table: headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11).
  if (isSipUri(uri) && Object.keys(uri.headers).length > 0) throw new SipParseError('headers in Request-URI');
  return { kind: 'request', method, uri };
}

/** §7.2 Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF. */
function parseStatusLine(line: string): StartLine {
  const sp = line.indexOf(' ');
  if (sp < 0 || line.slice(0, sp).toUpperCase() !== 'SIP/2.0') throw new SipParseError('unsupported SIP version');
  const code = line.slice(sp + 1, sp + 4);
  const next = line.charCodeAt(sp + 4);
  if (!/^[1-6][0-9][0-9]$/.test(code) || !(Number.isNaN(next) || next === 32)) throw new SipParseError('bad status code');
  return { kind: 'response', status: Number(code), reason: line.slice(sp + 5) };
}

/** §18.3/§20.14: the body is exactly Content-Length bytes; absent, the rest of the datagram. */
function readBody(buf: Buffer, bodyStart: number, contentLength: string | undefined): Buffer {
  if (contentLength === undefined) return buf.subarray(bodyStart);
  const n = parseContentLength(contentLength, MAX_MESSAGE_BYTES);
  if (n > buf.length - bodyStart) throw new SipParseError('Content-Length larger than the message');
  return buf.subarray(bodyStart, bodyStart + n);
}

function buildMessage(start: StartLine, headers: readonly SipHeader[], body: Buffer, v: CompleteView): SipMessage {
  const common = {
    headers,
    body,
    via: v.via,
    from: v.from,
    to: v.to,
    callId: v.callId,
    cseq: v.cseq,
    contact: v.contact,
    recordRoute: v.recordRoute,
    route: v.route,
    ...(v.contactStar === true ? { contactStar: true } : {}),
    ...(v.maxForwards !== undefined ? { maxForwards: v.maxForwards } : {}),
    ...(v.contentType !== undefined ? { contentType: v.contentType } : {}),
  };
  if (start.kind === 'request') {
    const req: SipRequest = { kind: 'request', method: start.method, uri: start.uri, ...common };
    return req;
  }
  const res: SipResponse = { kind: 'response', status: start.status, reason: start.reason, ...common };
  return res;
}
