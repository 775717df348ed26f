/**
 * Opens a stream's WebSocket (RFC 6455 §4.1) with jambonz's audio subprotocol and, when the verb
 * has `wsAuth`, HTTP basic auth in the handshake. The URL policy (src/kernel/net-policy.ts) is
 * checked on the address actually connected to.
 */
import WebSocket from 'ws';
import { checkUrlAllowed, policyLookup, type UrlPolicy } from '../../kernel/net-policy.js';

/** The subprotocol a listen server accepts (docs.jambonz.org "listen"). */
export const AUDIO_SUBPROTOCOL = 'audio.jambonz.org';

export interface OpenStreamSocket {
  readonly url: string;
  readonly auth?: { readonly username: string; readonly password: string };
  readonly policy?: UrlPolicy;
  readonly timeoutMs: number;
}

/** The socket, not yet open (its `open` / `error` / `unexpected-response` events tell); rejects when the policy refuses the URL. */
export async function openStreamSocket(o: OpenStreamSocket): Promise<WebSocket> {
  const u = new URL(o.url);
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new Error(`listen takes ws(s) URLs only, not ${u.protocol}`);
  const policy = o.policy;
  if (policy) await checkUrlAllowed(u, policy);
  const headers: Record<string, string> = o.auth ? { authorization: `Basic ${Buffer.from(`${o.auth.username}:${o.auth.password}`).toString('base64')}` } : {};
  return new WebSocket(u, AUDIO_SUBPROTOCOL, {
    headers,
    handshakeTimeout: o.timeoutMs,
    perMessageDeflate: false,
    followRedirects: false,
    ...(policy && policy.mode !== 'open' ? { lookup: policyLookup(policy) } : {}),
  });
}
