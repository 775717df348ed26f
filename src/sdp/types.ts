/**
 * SDP as plain data (RFC 4566). Parsing and serialising are pure functions over these values;
 * lines the model does not name are kept, in order, so a description round-trips.
 */
export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** A line of a type the model does not give its own field (i=, u=, e=, p=, z=, k=, r=, …). */
export interface SdpLine {
  readonly type: string;
  readonly value: string;
}

/** `a=name` or `a=name:value` (RFC 4566 §5.13). */
export interface SdpAttribute {
  readonly name: string;
  readonly value?: string;
}

/** `o=` (RFC 4566 §5.2). The version is a decimal string: it may exceed 2^53. */
export interface SdpOrigin {
  readonly username: string;
  readonly sessionId: string;
  readonly sessionVersion: string;
  readonly netType: string;
  readonly addrType: string;
  readonly address: string;
}

/** `c=` (RFC 4566 §5.7). */
export interface SdpConnection {
  readonly netType: string;
  readonly addrType: string;
  readonly address: string;
}

/** One `m=` section (RFC 4566 §5.14) with its media-level lines. */
export interface SdpMedia {
  readonly type: string;
  readonly port: number;
  readonly portCount?: number;
  readonly proto: string;
  readonly formats: readonly string[];
  readonly connection?: SdpConnection;
  readonly bandwidths: readonly string[];
  readonly attributes: readonly SdpAttribute[];
  readonly extra: readonly SdpLine[];
}

export interface SessionDescription {
  readonly version: number;
  readonly origin: SdpOrigin;
  readonly sessionName: string;
  readonly connection?: SdpConnection;
  readonly bandwidths: readonly string[];
  /** `t=` values, in order (at least one on output). */
  readonly times: readonly string[];
  readonly attributes: readonly SdpAttribute[];
  readonly extra: readonly SdpLine[];
  readonly media: readonly SdpMedia[];
}

/** `a=rtpmap:` (RFC 4566 §6), with static payload types filled in from RFC 3551 §6. */
export interface RtpMap {
  readonly payloadType: number;
  readonly encoding: string;
  readonly clockRate: number;
  readonly channels: number;
}
