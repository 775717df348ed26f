/** The SIP message layer: parse, serialise, build (RFC 3261 §7, §8, §18.3, §19, §20). */
export type * from './types.js';
export { SipParseError, type PartialRequest } from './errors.js';
export { parseMessage, MAX_MESSAGE_BYTES, MAX_HEADERS, MAX_HEADER_LINE, MAX_START_LINE } from './parse.js';
export { serializeMessage, startLine } from './serialize.js';
export { parseUri, formatUri, isSipUri, isTelUri } from './uri.js';
export { parseNameAddr, formatNameAddr } from './name-addr.js';
export { parseVia, parseOneVia, formatVia } from './via.js';
export { parseCSeq, formatCSeq, parseMaxForwards, MAX_CSEQ } from './cseq.js';
export { parseParams, formatParams } from './params.js';
export { splitList, quote, unquote } from './scan.js';
export { canonicalName, isListHeader } from './header-names.js';
export { getHeader, getHeaders, hasHeader } from './headers.js';
export { createRequest, createResponse, withHeader, withoutHeader, withTopVia, withRequestUri, type RequestInit, type ResponseOptions } from './build.js';
export { reasonPhrase } from './reason.js';
export { SipStreamFramer, type FramerEvent } from './stream-framer.js';
export { SipHeaderError, isStackOwnedHeader, checkExtraHeaders } from './extra-headers.js';
