/**
 * Builders for outgoing messages (RFC 3261 §8.1.1 requests, §8.2.6 responses) and pure
 * "with" updates that keep `headers` and the typed fields consistent.
 */
import { formatCSeq } from './cseq.js';
import { SipParseError } from './errors.js';
import { canonicalName, sameName } from './header-names.js';
import { formatNameAddr } from './name-addr.js';
import { reasonPhrase } from './reason.js';
import { splitList } from './scan.js';
import type { CSeq, NameAddr, SipHeader, SipMessage, SipRequest, SipResponse, Uri, Via } from './types.js';
import { formatVia, parseOneVia } from './via.js';
import { TYPED_HEADERS, viewOf } from './view.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export interface RequestInit {
  readonly method: string;
  readonly uri: Uri;
  readonly via: readonly Via[];
  readonly from: NameAddr;
  readonly to: NameAddr;
  readonly callId: string;
  readonly cseq: CSeq;
  readonly contact?: readonly NameAddr[];
  readonly route?: readonly NameAddr[];
  /** Default 70 (§8.1.1.6). */
  readonly maxForwards?: number;
  /** Extra headers, appended after the standard ones. */
  readonly headers?: readonly SipHeader[];
  readonly body?: Buffer | string;
  readonly contentType?: string;
}

export interface ResponseOptions {
  readonly reason?: string;
  readonly toTag?: string;
  readonly contact?: readonly NameAddr[];
  readonly copyRecordRoute?: boolean;
  readonly headers?: readonly SipHeader[];
  readonly body?: Buffer | string;
  readonly contentType?: string;
}

function toBody(body: Buffer | string | undefined): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

/** Extra headers with canonical names; Content-Length is the serialiser's business. */
function extraHeaders(extra: readonly SipHeader[] | undefined, out: SipHeader[]): boolean {
  let typed = false;
  for (const h of extra ?? []) {
    const name = canonicalName(h.name);
    if (name === 'Content-Length') continue;
    if (TYPED_HEADERS.has(name)) typed = true;
    out.push({ name, value: h.value });
  }
  return typed;
}

/** Re-derives every typed field from the headers (used when extra headers touch them). */
function withView<M extends SipMessage>(msg: M): M {
  const v = viewOf(msg.headers);
  const next = { ...msg } as Mutable<SipMessage>;
  assignView(next, v, TYPED_HEADERS);
  return next as M;
}

/** §8.1.1: Via, Max-Forwards, Route, From, To, Call-ID, CSeq, Contact, extra headers, Content-Type. */
export function createRequest(init: RequestInit): SipRequest {
  const maxForwards = init.maxForwards ?? 70;
  const contact = init.contact ?? [];
  const route = init.route ?? [];
  const headers: SipHeader[] = [];
  for (const v of init.via) headers.push({ name: 'Via', value: formatVia(v) });
  headers.push({ name: 'Max-Forwards', value: String(maxForwards) });
  for (const r of route) headers.push({ name: 'Route', value: formatNameAddr(r) });
  headers.push({ name: 'From', value: formatNameAddr(init.from) });
  headers.push({ name: 'To', value: formatNameAddr(init.to) });
  headers.push({ name: 'Call-ID', value: init.callId });
  headers.push({ name: 'CSeq', value: formatCSeq(init.cseq) });
  for (const c of contact) headers.push({ name: 'Contact', value: formatNameAddr(c) });
  const typed = extraHeaders(init.headers, headers);
  if (init.contentType !== undefined) headers.push({ name: 'Content-Type', value: init.contentType });
  const req: Mutable<SipRequest> = {
    kind: 'request',
    method: init.method,
    uri: init.uri,
    headers,
    body: toBody(init.body),
    via: init.via,
    from: init.from,
    to: init.to,
    callId: init.callId,
    cseq: init.cseq,
    contact,
    recordRoute: [],
    route,
    maxForwards,
  };
  if (init.contentType !== undefined) req.contentType = init.contentType;
  return typed ? withView(req) : req;
}

/**
 * §8.2.6.2: the response copies every Via (as received, so received/rport stay), From, To,
 * Call-ID and CSeq; the To tag is added unless present or the status is 100 (§8.2.6.2);
 * Record-Route is copied for dialog-creating responses (§12.1.1).
 */
export function createResponse(req: SipRequest, status: number, opts: ResponseOptions = {}): SipResponse {
  const headers: SipHeader[] = [];
  const addTag = opts.toTag !== undefined && status !== 100 && req.to.params.tag === undefined;
  copyRequestHeaders(req, addTag ? opts.toTag : undefined, opts.copyRecordRoute === true, headers);
  const contact = opts.contact ?? [];
  for (const c of contact) headers.push({ name: 'Contact', value: formatNameAddr(c) });
  const typed = extraHeaders(opts.headers, headers);
  if (opts.contentType !== undefined) headers.push({ name: 'Content-Type', value: opts.contentType });
  const to: NameAddr = addTag ? { ...req.to, params: { ...req.to.params, tag: opts.toTag ?? null } } : req.to;
  const res: Mutable<SipResponse> = {
    kind: 'response',
    status,
    reason: opts.reason ?? reasonPhrase(status),
    headers,
    body: toBody(opts.body),
    via: req.via,
    from: req.from,
    to,
    callId: req.callId,
    cseq: req.cseq,
    contact,
    recordRoute: opts.copyRecordRoute === true ? req.recordRoute : [],
    route: [],
  };
  if (opts.contentType !== undefined) res.contentType = opts.contentType;
  return typed ? withView(res) : res;
}

/**
 * §8.2.6.2: Via, From, To, Call-ID and CSeq as received, in their order, the To with `toTag`
 * added when given; Record-Route too when `copyRecordRoute` (§12.1.1). Appends to `out`.
 */
function copyRequestHeaders(req: SipRequest, toTag: string | undefined, copyRecordRoute: boolean, out: SipHeader[]): void {
  for (const h of req.headers) {
    if (h.name === 'Via' || h.name === 'From' || h.name === 'Call-ID' || h.name === 'CSeq') out.push(h);
    else if (h.name === 'To') out.push(toTag !== undefined ? { name: 'To', value: `${h.value};tag=${toTag}` } : h);
    else if (h.name === 'Record-Route' && copyRecordRoute) out.push(h);
  }
}

/** Copies the typed fields fed by the header names in `names` from a view onto `next`. */
function assignView(next: Mutable<SipMessage>, v: ReturnType<typeof viewOf>, names: ReadonlySet<string>): void {
  const required = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new SipParseError(`a message needs a ${name} header`);
    return value;
  };
  if (names.has('Via')) {
    if (v.via.length === 0) throw new SipParseError('a message needs a Via header');
    next.via = v.via;
  }
  if (names.has('From')) next.from = required(v.from, 'From');
  if (names.has('To')) next.to = required(v.to, 'To');
  if (names.has('Call-ID')) next.callId = required(v.callId, 'Call-ID');
  if (names.has('CSeq')) next.cseq = required(v.cseq, 'CSeq');
  if (names.has('Contact')) {
    next.contact = v.contact;
    if (v.contactStar === true) next.contactStar = true;
    else delete next.contactStar;
  }
  if (names.has('Record-Route')) next.recordRoute = v.recordRoute;
  if (names.has('Route')) next.route = v.route;
  if (names.has('Max-Forwards')) {
    if (v.maxForwards === undefined) delete next.maxForwards;
    else next.maxForwards = v.maxForwards;
  }
  if (names.has('Content-Type')) {
    if (v.contentType === undefined) delete next.contentType;
    else next.contentType = v.contentType;
  }
}

function refresh<M extends SipMessage>(msg: M, headers: SipHeader[], canon: string): M {
  const next = { ...msg, headers } as Mutable<SipMessage>;
  if (TYPED_HEADERS.has(canon)) assignView(next, viewOf(headers.filter((h) => h.name === canon)), new Set([canon]));
  return next as M;
}

/** Replaces every header of that name by one with `value` (at the first one's place), or appends it. */
export function withHeader<M extends SipMessage>(msg: M, name: string, value: string): M {
  const canon = canonicalName(name);
  const headers: SipHeader[] = [];
  let placed = false;
  for (const h of msg.headers) {
    if (!sameName(h.name, canon)) headers.push(h);
    else if (!placed) {
      headers.push({ name: canon, value });
      placed = true;
    }
  }
  if (!placed) headers.push({ name: canon, value });
  return refresh(msg, headers, canon);
}

/** Removes every header of that name; removing a mandatory one throws SipParseError. */
export function withoutHeader<M extends SipMessage>(msg: M, name: string): M {
  const canon = canonicalName(name);
  return refresh(
    msg,
    msg.headers.filter((h) => !sameName(h.name, canon)),
    canon,
  );
}

/**
 * Replaces the topmost Via value (or adds one when there is none), e.g. for a transport
 * writing `received`/`rport` (RFC 3581 §4). Other values of the same header line are kept.
 */
export function withTopVia<M extends SipMessage>(msg: M, via: Via): M {
  const value = formatVia(via);
  const top = parseOneVia(value);
  const idx = msg.headers.findIndex((h) => h.name === 'Via');
  const headers = msg.headers.slice();
  if (idx < 0) headers.unshift({ name: 'Via', value });
  else {
    const parts = splitList(headers[idx].value);
    parts[0] = value;
    headers[idx] = { name: 'Via', value: parts.join(', ') };
  }
  return { ...msg, headers, via: [top, ...msg.via.slice(1)] };
}

export function withRequestUri(req: SipRequest, uri: Uri): SipRequest {
  return { ...req, uri };
}
