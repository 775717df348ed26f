/**
 * SIP messages as plain readonly data (RFC 3261 §7). Parsing fills these; serialising is a pure
 * function of them. `headers` is the source of truth for the wire form; the typed fields
 * (`via`, `from`, …) are views of the same headers, parsed once.
 */

/** Generic parameters (`;name=value` or flag `;name`). Names are lower-cased; flags map to null. */
export type Params = Readonly<Record<string, string | null>>;

/** RFC 3261 §19.1: sip: and sips: URIs. `user` and `password` keep their %-escapes. */
export interface SipUri {
  readonly scheme: 'sip' | 'sips';
  readonly user?: string;
  readonly password?: string;
  /** Host name, IPv4 address, or IPv6 reference *with* brackets, e.g. `[::1]`. Lower-cased. */
  readonly host: string;
  readonly port?: number;
  readonly params: Params;
  /** URI headers (`?name=value&…`), values still %-escaped. */
  readonly headers: Readonly<Record<string, string>>;
}

/** RFC 3966 tel: URI. */
export interface TelUri {
  readonly scheme: 'tel';
  readonly number: string;
  readonly params: Params;
}

/** Any other absolute URI (e.g. `mailto:`, `urn:`), kept verbatim. */
export interface OtherUri {
  readonly scheme: string;
  readonly opaque: string;
}

export type Uri = SipUri | TelUri | OtherUri;

/** From, To, Contact, Route, Record-Route, Refer-To … (RFC 3261 §20.10 name-addr / addr-spec). */
export interface NameAddr {
  readonly displayName?: string;
  readonly uri: Uri;
  readonly params: Params;
}

/** RFC 3261 §20.42 Via, with RFC 3581 rport. `rport` is `null` when present without a value. */
export interface Via {
  readonly transport: string; // upper-case: UDP, TCP, TLS, WS, …
  readonly host: string;
  readonly port?: number;
  readonly branch?: string;
  readonly received?: string;
  readonly rport?: number | null;
  readonly params: Params;
}

export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

/** One header line. `name` is the canonical long form (compact forms are expanded). */
export interface SipHeader {
  readonly name: string;
  readonly value: string;
}

interface MessageCommon {
  readonly headers: readonly SipHeader[];
  /** Body as received (raw bytes); empty when there is none. */
  readonly body: Buffer;
  readonly via: readonly Via[];
  readonly from: NameAddr;
  readonly to: NameAddr;
  readonly callId: string;
  readonly cseq: CSeq;
  /** Contact header values, in order (`*` is represented by an empty array plus `contactStar`). */
  readonly contact: readonly NameAddr[];
  readonly contactStar?: boolean;
  readonly recordRoute: readonly NameAddr[];
  readonly route: readonly NameAddr[];
  readonly maxForwards?: number;
  readonly contentType?: string;
}

export interface SipRequest extends MessageCommon {
  readonly kind: 'request';
  readonly method: string;
  readonly uri: Uri;
}

export interface SipResponse extends MessageCommon {
  readonly kind: 'response';
  readonly status: number;
  readonly reason: string;
}

export type SipMessage = SipRequest | SipResponse;
