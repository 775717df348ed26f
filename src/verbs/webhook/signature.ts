import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The `Jambonz-Signature` header (contract §2.6): `t=<unix seconds>,v1=<hex HMAC-SHA256>` over
 * `"<t>.<body>"`, keyed with the account's webhook secret. `body` is the exact string sent.
 */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const v1 = createHmac('sha256', secret).update(`${unixSeconds}.${body}`, 'utf8').digest('hex');
  return `t=${unixSeconds},v1=${v1}`;
}

/** Verifies a signature header (for tests and for apps written against this gateway). */
export function verifySignature(header: string, secret: string, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const parts = new Map(header.split(',').map((kv) => kv.split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1');
  if (!Number.isFinite(t) || !v1 || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const want = Buffer.from(signatureHeader(secret, body, t).split('v1=')[1], 'hex');
  const got = Buffer.from(v1, 'hex');
  return want.length === got.length && timingSafeEqual(want, got);
}
