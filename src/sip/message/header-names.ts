/**
 * Header field names: RFC 3261 §7.3.3 compact forms (and later RFCs'), canonical spellings of
 * well-known names, and which headers are comma-separated lists (§7.3.1).
 */

/** Compact form → long form (RFC 3261 §7.3.3, RFC 3265, 3515, 3892, 4028, 4474, 3841). */
const COMPACT: Readonly<Record<string, string>> = {
  a: 'Accept-Contact',
  b: 'Referred-By',
  c: 'Content-Type',
  d: 'Request-Disposition',
  e: 'Content-Encoding',
  f: 'From',
  i: 'Call-ID',
  j: 'Reject-Contact',
  k: 'Supported',
  l: 'Content-Length',
  m: 'Contact',
  n: 'Identity-Info',
  o: 'Event',
  r: 'Refer-To',
  s: 'Subject',
  t: 'To',
  u: 'Allow-Events',
  v: 'Via',
  x: 'Session-Expires',
  y: 'Identity',
};

const KNOWN = [
  'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Alert-Info', 'Allow', 'Allow-Events',
  'Authentication-Info', 'Authorization', 'Call-ID', 'Call-Info', 'Contact', 'Content-Disposition',
  'Content-Encoding', 'Content-Language', 'Content-Length', 'Content-Type', 'CSeq', 'Date', 'Diversion',
  'Error-Info', 'Event', 'Expires', 'From', 'History-Info', 'Identity', 'Identity-Info', 'In-Reply-To',
  'Max-Forwards', 'MIME-Version', 'Min-Expires', 'Min-SE', 'Organization', 'P-Asserted-Identity',
  'P-Preferred-Identity', 'Path', 'Priority', 'Privacy', 'Proxy-Authenticate', 'Proxy-Authorization',
  'Proxy-Require', 'RAck', 'Reason', 'Record-Route', 'Refer-To', 'Referred-By', 'Reject-Contact',
  'Replaces', 'Reply-To', 'Request-Disposition', 'Require', 'Retry-After', 'Route', 'RSeq', 'Server',
  'Service-Route', 'Session-Expires', 'Subject', 'Subscription-State', 'Supported', 'Timestamp', 'To',
  'Unsupported', 'User-Agent', 'Via', 'Warning', 'WWW-Authenticate',
];

const CANONICAL = new Map<string, string>();
for (const name of KNOWN) CANONICAL.set(name.toLowerCase(), name);

/** Headers whose values are comma-separated lists and may be split (RFC 3261 §7.3.1, §20). */
const LIST = new Set([
  'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Alert-Info', 'Allow', 'Allow-Events',
  'Call-Info', 'Contact', 'Content-Encoding', 'Content-Language', 'Diversion', 'Error-Info', 'History-Info',
  'In-Reply-To', 'P-Asserted-Identity', 'P-Preferred-Identity', 'Path', 'Proxy-Require', 'Reason',
  'Record-Route', 'Reject-Contact', 'Require', 'Route', 'Service-Route', 'Supported', 'Unsupported', 'Via',
  'Warning',
]);

/** The canonical long form of a header name; unknown names are returned unchanged. */
export function canonicalName(name: string): string {
  if (name.length === 1) return COMPACT[name.toLowerCase()] ?? name;
  return CANONICAL.get(name.toLowerCase()) ?? name;
}

export function isListHeader(canonical: string): boolean {
  return LIST.has(canonical);
}

/** Case-insensitive comparison of a stored (canonical) name with a canonicalised query. */
export function sameName(stored: string, canonicalQuery: string): boolean {
  return stored === canonicalQuery || (stored.length === canonicalQuery.length && stored.toLowerCase() === canonicalQuery.toLowerCase());
}
