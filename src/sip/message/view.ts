/**
 * The typed fields of a message (`via`, `from`, …) derived from its header list, so that the
 * parser and the builders keep both views consistent.
 */
import { parseCSeq, parseMaxForwards } from './cseq.js';
import { SipParseError } from './errors.js';
import { parseNameAddr } from './name-addr.js';
import { splitList, trimLws } from './scan.js';
import type { CSeq, NameAddr, SipHeader, Via } from './types.js';
import { parseVia } from './via.js';

export interface MessageView {
  via: Via[];
  from?: NameAddr;
  to?: NameAddr;
  callId?: string;
  cseq?: CSeq;
  contact: NameAddr[];
  contactStar?: boolean;
  recordRoute: NameAddr[];
  route: NameAddr[];
  maxForwards?: number;
  contentType?: string;
  contentLength?: string;
}

/** The header names that feed a typed field. */
export const TYPED_HEADERS: ReadonlySet<string> = new Set([
  'Via', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Record-Route', 'Route', 'Max-Forwards', 'Content-Type', 'Content-Length',
]);

export function parseNameAddrList(value: string, into: NameAddr[]): void {
  for (const part of splitList(value)) {
    if (part.length === 0) throw new SipParseError('empty element in address list');
    into.push(parseNameAddr(part));
  }
}

/** §20.8 callid = word [ "@" word ]: we require it non-empty and free of whitespace. */
export function parseCallId(value: string): string {
  if (value.length === 0) throw new SipParseError('empty Call-ID');
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 32 || c === 9) throw new SipParseError('whitespace in Call-ID');
  }
  return value;
}

function single<T>(current: T | undefined, name: string, parse: () => T): T {
  if (current !== undefined) throw new SipParseError(`more than one ${name} header`);
  return parse();
}

/** Applies one header to the view (its name is canonical). */
export function applyHeader(view: MessageView, h: SipHeader): void {
  const v = h.value;
  switch (h.name) {
    case 'Via':
      for (const via of parseVia(v)) view.via.push(via);
      break;
    case 'From':
      view.from = single(view.from, 'From', () => parseNameAddr(v));
      break;
    case 'To':
      view.to = single(view.to, 'To', () => parseNameAddr(v));
      break;
    case 'Call-ID':
      view.callId = single(view.callId, 'Call-ID', () => parseCallId(v));
      break;
    case 'CSeq':
      view.cseq = single(view.cseq, 'CSeq', () => parseCSeq(v));
      break;
    case 'Contact':
      applyContact(view, v);
      break;
    case 'Record-Route':
      parseNameAddrList(v, view.recordRoute);
      break;
    case 'Route':
      parseNameAddrList(v, view.route);
      break;
    case 'Max-Forwards':
      view.maxForwards = single(view.maxForwards, 'Max-Forwards', () => parseMaxForwards(v));
      break;
    case 'Content-Type':
      view.contentType = single(view.contentType, 'Content-Type', () => v);
      break;
    case 'Content-Length':
      view.contentLength = single(view.contentLength, 'Content-Length', () => v);
      break;
  }
}

/** §20.10: `Contact: *` stands alone (REGISTER removing all bindings). */
function applyContact(view: MessageView, v: string): void {
  if (trimLws(v) === '*') {
    if (view.contactStar === true || view.contact.length > 0) throw new SipParseError('Contact * mixed with other contacts');
    view.contactStar = true;
    return;
  }
  if (view.contactStar === true) throw new SipParseError('Contact * mixed with other contacts');
  parseNameAddrList(v, view.contact);
}

export function emptyView(): MessageView {
  return { via: [], contact: [], recordRoute: [], route: [] };
}

export function viewOf(headers: readonly SipHeader[]): MessageView {
  const view = emptyView();
  for (const h of headers) applyHeader(view, h);
  return view;
}

export interface CompleteView extends MessageView {
  from: NameAddr;
  to: NameAddr;
  callId: string;
  cseq: CSeq;
}

/** RFC 3261 §8.1.1: Via, From, To, Call-ID and CSeq are mandatory (Max-Forwards may be absent). */
export function requireMandatory(view: MessageView): CompleteView {
  if (view.via.length === 0) throw new SipParseError('missing Via header');
  if (view.from === undefined) throw new SipParseError('missing From header');
  if (view.to === undefined) throw new SipParseError('missing To header');
  if (view.callId === undefined) throw new SipParseError('missing Call-ID header');
  if (view.cseq === undefined) throw new SipParseError('missing CSeq header');
  return view as CompleteView;
}
