/**
 * One WebSocket to a jambonz WebSocket application (contract §6.1): subprotocol `ws.jambonz.org`,
 * basic auth from the hook's credentials, a 1.5 s opening handshake (RFC 6455 §4.1) timed by the
 * gateway's clock, a cap on incoming messages, and the URL policy on the address connected to.
 * Beyond jambonz (which sends none), the handshake carries a `Jambonz-Signature` over an empty body
 * when the account has a webhook secret, so an app can check it as it checks webhooks.
 */
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import type { Clock } from '../../kernel/clock.js';
import { checkUrlAllowed, OPEN_URL_POLICY, policyLookup, UrlForbiddenError, UrlPolicyError, type UrlPolicy } from '../../kernel/net-policy.js';
import { WebhookError } from '../webhook/client.js';
import { signatureHeader } from '../webhook/signature.js';
import { WS_SUBPROTOCOL } from './messages.js';

export interface WsConnectOptions {
  readonly clock: Clock;
  /** Which addresses the socket may reach (VGW_URL_POLICY); open by default. */
  readonly urlPolicy?: UrlPolicy;
  /** The opening handshake's limit (contract §6.1: 1.5 s). */
  readonly handshakeTimeoutMs?: number;
  /** The largest message accepted from the app (contract §6.1: 24 KB); a larger one closes the socket (1009). */
  readonly maxPayload?: number;
  readonly userAgent?: string;
}

export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 1500;
export const DEFAULT_MAX_PAYLOAD = 24 * 1024;

/** What the session needs of an open socket. */
export interface AppSocket {
  send(text: string): void;
  close(code: number, reason?: string): void;
  /** A text frame (`binary` false) or a binary one. */
  onMessage(fn: (data: string, binary: boolean) => void): void;
  /** Once, when the socket has closed (from either end); 1006 when it was dropped. */
  onClose(fn: (code: number) => void): void;
}

export interface SocketTarget {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** The account's webhook secret: the handshake is signed with it (over an empty body). */
  readonly secret?: string;
}

/** Opens one socket; rejects with a WebhookError (WEBHOOK_CONNECT, WEBHOOK_TIMEOUT, WEBHOOK_STATUS, URL_FORBIDDEN). */
export type SocketOpener = (target: SocketTarget) => Promise<AppSocket>;

function redact(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}

async function checkPolicy(url: string, policy: UrlPolicy): Promise<void> {
  try {
    await checkUrlAllowed(url, policy);
  } catch (e) {
    if (e instanceof UrlForbiddenError || e instanceof UrlPolicyError) throw new WebhookError('URL_FORBIDDEN', `WS ${redact(url)}: ${e.message}`, url, 1);
    throw new WebhookError('WEBHOOK_CONNECT', `WS ${redact(url)}: ${e instanceof Error ? e.message : String(e)}`, url, 1);
  }
}

function wrap(ws: WebSocket): AppSocket {
  return {
    send: (text) => ws.send(text),
    close: (code, reason) => {
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(code, reason);
    },
    onMessage: (fn) => ws.on('message', (data: WebSocket.RawData, binary: boolean) => fn(binary ? '' : rawText(data), binary)),
    onClose: (fn) => ws.once('close', (code: number) => fn(code)),
  };
}

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

/** The socket opener of a gateway: every socket under one URL policy and the same limits. */
export function socketOpener(o: WsConnectOptions): SocketOpener {
  const policy = o.urlPolicy ?? OPEN_URL_POLICY;
  return async (target) => {
    await checkPolicy(target.url, policy);
    const ws = new WebSocket(target.url, [WS_SUBPROTOCOL], {
      maxPayload: o.maxPayload ?? DEFAULT_MAX_PAYLOAD,
      perMessageDeflate: false,
      followRedirects: false,
      headers: {
        'user-agent': o.userAgent ?? 'vgw',
        ...(target.secret ? { 'jambonz-signature': signatureHeader(target.secret, '', Math.floor(o.clock.wallNow() / 1000)) } : {}),
      },
      ...(target.username !== undefined ? { auth: `${target.username}:${target.password ?? ''}` } : {}),
      ...(policy.mode === 'open' ? {} : { lookup: policyLookup(policy) }),
    });
    return handshake(ws, target.url, o);
  };
}

/** Resolves once the opening handshake has succeeded; the clock's timer bounds it. */
function handshake(ws: WebSocket, url: string, o: WsConnectOptions): Promise<AppSocket> {
  const where = redact(url);
  return new Promise<AppSocket>((resolve, reject) => {
    let settled = false;
    const timer = o.clock.setTimer(o.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS, () => fail(new WebhookError('WEBHOOK_TIMEOUT', `WS ${where}: no handshake within ${o.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS} ms`, url, 1)));
    function fail(e: WebhookError): void {
      if (settled) return;
      settled = true;
      timer.cancel();
      ws.terminate();
      reject(e);
    }
    ws.once('open', () => {
      if (settled) return;
      settled = true;
      timer.cancel();
      resolve(wrap(ws));
    });
    ws.once('unexpected-response', (_req, res: IncomingMessage) => {
      res.resume();
      fail(new WebhookError('WEBHOOK_STATUS', `WS ${where} answered ${res.statusCode ?? 0} to the handshake`, url, 1, res.statusCode));
    });
    ws.on('error', (e: Error) => {
      if (e instanceof UrlForbiddenError) fail(new WebhookError('URL_FORBIDDEN', `WS ${where}: ${e.message}`, url, 1));
      else fail(new WebhookError('WEBHOOK_CONNECT', `WS ${where}: ${e.message}`, url, 1));
    });
  });
}
