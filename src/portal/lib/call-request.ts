/** The Place-a-call form → the seed's `POST /v1/Accounts/{sid}/Calls` body, and the same as curl. */
import type { Values } from './validate.js';

const str = (v: string | boolean | undefined): string => (typeof v === 'string' ? v.trim() : '');

/** Form fields of the basic and the advanced request. */
export const CALL_FIELDS = [
  'application_sid', 'from', 'callerName', 'to.type', 'to.number', 'to.trunk', 'fromHost',
  'timeout', 'timeLimit', 'amd.actionHook', 'tag', 'headers', 'notifyUrl',
] as const;

export function buildCallBody(v: Values, advanced: boolean): Record<string, unknown> {
  const to: Record<string, unknown> = { type: str(v['to.type']) || 'phone' };
  const target = str(v['to.number']);
  if (to.type === 'sip') to.sipUri = target;
  else if (to.type === 'user') to.name = target;
  else to.number = target;
  if (str(v['to.trunk']) && to.type === 'phone') to.trunk = str(v['to.trunk']);
  const body: Record<string, unknown> = {};
  if (str(v.application_sid)) body.application_sid = str(v.application_sid);
  body.from = str(v.from);
  if (str(v.callerName)) body.callerName = str(v.callerName);
  body.to = to;
  if (!advanced) return body;
  if (str(v.fromHost)) body.fromHost = str(v.fromHost);
  if (str(v.timeout)) body.timeout = Number(str(v.timeout));
  if (str(v.timeLimit)) body.timeLimit = Number(str(v.timeLimit));
  if (str(v['amd.actionHook'])) body.amd = { actionHook: str(v['amd.actionHook']) };
  if (str(v.tag)) body.tag = JSON.parse(str(v.tag)) as unknown;
  if (str(v.headers)) body.headers = JSON.parse(str(v.headers)) as unknown;
  if (str(v.notifyUrl)) body.notifyUrl = str(v.notifyUrl);
  return body;
}

/** Single-quotes a string for a POSIX shell. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The equivalent curl command; the key stays in `$VGW_API_KEY` so it is never on screen. */
export function curlCommand(origin: string, accountSid: string, body: unknown): string {
  return [
    `curl --request POST ${shellQuote(`${origin}/v1/Accounts/${accountSid}/Calls`)} \\`,
    `  --header "Authorization: Bearer $VGW_API_KEY" \\`,
    `  --header 'Accept: application/json' \\`,
    `  --header 'Content-Type: application/json' \\`,
    `  --data-raw ${shellQuote(JSON.stringify(body, null, 2))}`,
  ].join('\n');
}
