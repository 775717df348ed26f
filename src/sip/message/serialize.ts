/** RFC 3261 §7 wire form: start line, header fields in order, Content-Length, CRLF, body. */
import { formatUri } from './uri.js';
import type { SipMessage } from './types.js';

/** Header values never carry a line break on the wire (it would inject a header). */
function oneLine(value: string): string {
  return value.indexOf('\r') < 0 && value.indexOf('\n') < 0 ? value : value.replace(/[\r\n]+/g, ' ');
}

export function startLine(msg: SipMessage): string {
  return oneLine(msg.kind === 'request' ? `${msg.method} ${formatUri(msg.uri)} SIP/2.0` : `SIP/2.0 ${msg.status} ${msg.reason}`);
}

/**
 * Serialises a message. Content-Length is always written here, from `body.length` (§20.14:
 * mandatory on streams, harmless on datagrams); any Content-Length in `headers` is dropped.
 */
export function serializeMessage(msg: SipMessage): Buffer {
  let head = startLine(msg) + '\r\n';
  for (const h of msg.headers) {
    if (h.name === 'Content-Length' || h.name.toLowerCase() === 'content-length') continue;
    head += `${h.name}: ${oneLine(h.value)}\r\n`;
  }
  head += `Content-Length: ${msg.body.length}\r\n\r\n`;
  if (msg.body.length === 0) return Buffer.from(head, 'utf8');
  const headLen = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headLen + msg.body.length);
  out.write(head, 0, 'utf8');
  msg.body.copy(out, headLen);
  return out;
}
