/**
 * `vgw call --to NUMBER [flags]`: places a call through the REST API (`POST /v1/Accounts/{sid}/Calls`,
 * the seed's basic request) and follows its Timeline until the call is over (docs/cli.md).
 * Also the pieces `vgw events` shares: the API client, account lookup, the Timeline follower and
 * the exit codes. Talks to a running gateway over HTTP only; it imports no gateway module.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { errorMessage, GatewayError } from '../kernel/errors.js';

/** Exit statuses of `vgw call` and `vgw events` (docs/cli.md). */
export const EXIT = {
  /** Answered and completed, or placed with --no-follow, or events stopped with Ctrl-C. */
  ok: 0,
  /** The gateway could not be reached, or an answer made no sense. */
  error: 1,
  /** A bad command line, a missing key, or the API refused the request (4xx/5xx). */
  usage: 2,
  failed: 3,
  busy: 4,
  noAnswer: 5,
  /** A second Ctrl-C stopped following before the call was over. */
  interrupted: 130,
} as const;

/** The exit status for a call's final `call_status`. */
export function exitCodeFor(status: string): number {
  switch (status) {
    case 'completed': return EXIT.ok;
    case 'busy': return EXIT.busy;
    case 'no-answer': return EXIT.noAnswer;
    default: return EXIT.failed;
  }
}

const FINAL = new Set(['completed', 'failed', 'busy', 'no-answer']);
export const isFinal = (status: string): boolean => FINAL.has(status);

/** A problem the user can fix; `exitCode` is what the command returns. */
export class CliError extends GatewayError {
  constructor(message: string, readonly exitCode: number = EXIT.usage, readonly details: readonly string[] = []) {
    super('CLI_ERROR', message);
  }
}

/** A non-2xx answer from the REST API (`{msg, errors?}`). */
export class ApiFailure extends CliError {
  constructor(readonly status: number, msg: string, errors: readonly string[]) {
    super(`${status} ${msg}`, EXIT.usage, errors);
  }
}

/** What a command reads and writes; tests pass their own. */
export interface CliIo {
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  readonly fetch: typeof fetch;
  /** Calls `handler` on each Ctrl-C (SIGINT) until the returned function is called. */
  onInterrupt(handler: () => void): () => void;
}

export function processIo(): CliIo {
  return {
    out: process.stdout, err: process.stderr, env: process.env, fetch: globalThis.fetch,
    onInterrupt(handler) {
      process.on('SIGINT', handler);
      return () => { process.off('SIGINT', handler); };
    },
  };
}

/** The flags every command shares. */
export const CONNECTION_FLAGS = {
  url: { type: 'string' },
  key: { type: 'string' },
  account: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** `node:util` parseArgs with its errors turned into usage errors. */
export function parseFlags<O extends NonNullable<ParseArgsConfig['options']>>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new CliError(`${errorMessage(e).replace(/\. To specify a positional argument.*$/s, '')} (see --help)`);
  }
}

/** The gateway's base URL and the API key: flags, then `VGW_URL`/`VGW_API_KEY`, then defaults. */
export function connection(flags: { url?: string; key?: string }, env: NodeJS.ProcessEnv): { url: string; key: string } {
  const key = flags.key ?? env.VGW_API_KEY ?? '';
  if (key.trim() === '') {
    throw new CliError('no API key: set VGW_API_KEY (the admin key the gateway printed at its first start, or an account key) or pass --key');
  }
  const url = (flags.url ?? env.VGW_URL ?? `http://127.0.0.1:${env.VGW_HTTP_PORT || '3000'}`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(url)) throw new CliError(`--url/VGW_URL must be an http:// or https:// URL, not "${url}"`);
  return { url, key: key.trim() };
}

/** The REST API with a bearer key. Non-2xx → ApiFailure; no answer at all → CliError (exit 1). */
export class ApiClient {
  constructor(readonly url: string, private readonly key: string, private readonly fetchImpl: typeof fetch = globalThis.fetch) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (e) {
      const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : '';
      throw new CliError(`cannot reach the gateway at ${this.url} (${errorMessage(e)}${cause}); is it running (vgw start)? Set VGW_URL or --url`, EXIT.error);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!res.ok) throw failureOf(res.status, parsed, text);
    return parsed as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }
}

function failureOf(status: number, body: unknown, text: string): ApiFailure {
  const b = (typeof body === 'object' && body !== null ? body : {}) as { msg?: unknown; errors?: unknown };
  const msg = typeof b.msg === 'string' ? b.msg : text.slice(0, 200) || 'no message';
  const errors = Array.isArray(b.errors)
    ? b.errors.map((x: { path?: unknown; message?: unknown }) => `${String(x.path ?? '?')}: ${String(x.message ?? '')}`)
    : [];
  return new ApiFailure(status, msg, errors);
}

interface Named { readonly name: string }
interface Account extends Named { readonly account_sid: string }
interface Application extends Named { readonly application_sid: string }
interface PhoneNumber { readonly number: string; readonly application_sid: string | null }

/** `--account`, else the account named `demo`, else the key's only account. */
export async function resolveAccount(api: ApiClient, given: string | undefined): Promise<string> {
  if (given) return given;
  const accounts = await api.get<Account[]>('/v1/Accounts');
  const pick = accounts.find((a) => a.name === 'demo') ?? (accounts.length === 1 ? accounts[0] : undefined);
  if (pick) return pick.account_sid;
  if (accounts.length === 0) throw new CliError('this key sees no account: pass --account SID');
  throw new CliError(`no account named "demo" among ${accounts.length}: pass --account SID (${accounts.map((a) => `${a.name}=${a.account_sid}`).join(', ')})`);
}

/** One step of a call, as `GET …/Calls/{sid}/Timeline` lists it. */
export interface TimelineEntry {
  readonly at: string;
  readonly t: number;
  readonly event: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface TimelineReply {
  readonly call_sid: string;
  readonly call_status: string | null;
  readonly live: boolean;
  readonly timeline: readonly TimelineEntry[];
}

/** `k=v` pairs of a detail object, cut to `max` characters. */
export function shortDetail(detail: Readonly<Record<string, unknown>> | undefined, max = 100): string {
  if (!detail) return '';
  const s = Object.entries(detail)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : typeof v === 'number' && !Number.isInteger(v) ? String(Math.round(v * 10) / 10) : JSON.stringify(v)}`)
    .join(' ');
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** `  +1.234s  status:in-progress   sip_status=200 sip_reason=OK`. */
export function formatEntry(e: TimelineEntry): string {
  const offset = `+${(e.t / 1000).toFixed(3)}s`.padStart(10);
  return `${offset}  ${e.event.padEnd(20)} ${shortDetail(e.detail)}`.trimEnd();
}

interface Cdr {
  readonly call_status?: string;
  readonly sip_status: number | null;
  readonly duration: number;
  readonly answered: boolean;
  readonly termination_reason: string | null;
  readonly termination_cause: string | null;
}

export interface FinalStatus {
  readonly callSid: string;
  readonly status: string;
  readonly sipStatus?: number | null;
  readonly duration?: number;
  readonly reason?: string | null;
}

/** The call's record in RecentCalls; it is written just after the call ends, so a 404 is retried. */
export async function finalRecord(api: ApiClient, accountSid: string, callSid: string, tries = 12): Promise<Cdr | undefined> {
  for (let i = 0; i < tries; i++) {
    try {
      return await api.get<Cdr>(`/v1/Accounts/${accountSid}/RecentCalls/${callSid}`);
    } catch (e) {
      if (!(e instanceof ApiFailure && e.status === 404)) throw e;
    }
    await sleep(250);
  }
  return undefined;
}

/** `completed  sip_status=200 duration=3s reason=…` (or one JSON object). */
export function formatFinal(f: FinalStatus, json: boolean): string {
  if (json) return JSON.stringify({ call_sid: f.callSid, final: true, call_status: f.status, sip_status: f.sipStatus ?? null, duration: f.duration ?? null, termination_reason: f.reason ?? null });
  const parts = [`final: ${f.status}`];
  if (f.sipStatus !== undefined && f.sipStatus !== null) parts.push(`sip_status=${f.sipStatus}`);
  if (f.duration !== undefined) parts.push(`duration=${f.duration}s`);
  if (f.reason) parts.push(`reason=${f.reason}`);
  return parts.join('  ');
}

export interface FollowOptions {
  readonly out: NodeJS.WritableStream;
  readonly json: boolean;
  readonly intervalMs?: number;
  /** Aborting stops following; the result is then `undefined`. */
  readonly signal?: AbortSignal;
}

/**
 * Polls `GET …/Calls/{sid}/Timeline` and prints each new entry until the call is no longer live
 * (its record has been written), then returns the final status. A 404 right after the call ended
 * (before its record exists) is retried for a few seconds.
 */
export async function followTimeline(api: ApiClient, accountSid: string, callSid: string, o: FollowOptions): Promise<FinalStatus | undefined> {
  const interval = o.intervalMs ?? 250;
  let printed = 0;
  let misses = 0;
  let finalSince: number | undefined;
  while (!o.signal?.aborted) {
    let tl: TimelineReply | undefined;
    try {
      tl = await api.get<TimelineReply>(`/v1/Accounts/${accountSid}/Calls/${callSid}/Timeline`);
      misses = 0;
    } catch (e) {
      if (!(e instanceof ApiFailure && e.status === 404) || ++misses > 20) throw e;
    }
    if (tl) {
      for (const e of tl.timeline.slice(printed)) o.out.write(`${o.json ? JSON.stringify({ call_sid: callSid, ...e }) : formatEntry(e)}\n`);
      printed = Math.max(printed, tl.timeline.length);
      const status = tl.call_status ?? 'failed';
      if (isFinal(status)) finalSince ??= Date.now();
      // A finished call's Timeline comes from its record; a live one in a final state is waited for a little.
      if (!tl.live || (finalSince !== undefined && Date.now() - finalSince > 10_000)) return finalOf(api, accountSid, callSid, status);
    }
    await sleep(interval, undefined, { signal: o.signal }).catch(() => undefined);
  }
  return undefined;
}

async function finalOf(api: ApiClient, accountSid: string, callSid: string, status: string): Promise<FinalStatus> {
  const cdr = await finalRecord(api, accountSid, callSid, 4).catch(() => undefined);
  return cdr
    ? { callSid, status, sipStatus: cdr.sip_status, duration: cdr.duration, reason: cdr.termination_reason }
    : { callSid, status };
}

interface CallOptions {
  readonly to: string;
  readonly from?: string;
  readonly trunk?: string;
  readonly app?: string;
  readonly account?: string;
  readonly amd: boolean;
  readonly timeout?: number;
  readonly tag?: Record<string, unknown>;
  readonly headers?: Record<string, string>;
  readonly url?: string;
  readonly key?: string;
  readonly follow: boolean;
  readonly json: boolean;
  readonly help: boolean;
}

const CALL_FLAGS = {
  ...CONNECTION_FLAGS,
  to: { type: 'string' },
  from: { type: 'string' },
  trunk: { type: 'string' },
  app: { type: 'string' },
  amd: { type: 'boolean' },
  timeout: { type: 'string' },
  tag: { type: 'string' },
  header: { type: 'string', multiple: true },
  'no-follow': { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

/** `--header 'Name: value'` (repeatable) → a headers object. */
export function parseHeaders(list: readonly string[]): Record<string, string> | undefined {
  if (list.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const h of list) {
    const i = h.indexOf(':');
    const name = i < 0 ? '' : h.slice(0, i).trim();
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) throw new CliError(`--header needs 'Name: value', not "${h}"`);
    out[name] = h.slice(i + 1).trim();
  }
  return out;
}

function parseTag(s: string | undefined): Record<string, unknown> | undefined {
  if (s === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch (e) {
    throw new CliError(`--tag needs a JSON object: ${errorMessage(e)}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new CliError('--tag needs a JSON object, e.g. \'{"ref":"A1"}\'');
  return v as Record<string, unknown>;
}

function parseTimeout(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1 || n > 600) throw new CliError('--timeout needs whole seconds, 1–600');
  return n;
}

/** The command line of `vgw call`. */
export function parseCallArgs(argv: readonly string[]): CallOptions {
  const v = parseFlags(argv, CALL_FLAGS);
  if (!v.help && !v.to) throw new CliError('missing --to NUMBER (a phone number, or a sip: URI)');
  return {
    to: v.to ?? '', from: v.from, trunk: v.trunk, app: v.app, account: v.account, amd: v.amd === true,
    timeout: parseTimeout(v.timeout), tag: parseTag(v.tag), headers: parseHeaders(v.header ?? []),
    url: v.url, key: v.key, follow: v['no-follow'] !== true, json: v.json === true, help: v.help === true,
  };
}

/** The request body: the seed's basic request plus the optional fields given on the command line. */
export function callBody(o: CallOptions, resolved: { applicationSid: string; from: string; baseUrl: string }): Record<string, unknown> {
  const to = o.to.startsWith('sip:') || o.to.startsWith('sips:')
    ? { type: 'sip', sipUri: o.to }
    : { type: 'phone', number: o.to, ...(o.trunk ? { trunk: o.trunk } : {}) };
  return {
    application_sid: resolved.applicationSid,
    from: resolved.from,
    to,
    ...(o.timeout !== undefined ? { timeout: o.timeout } : {}),
    ...(o.tag ? { tag: o.tag } : {}),
    ...(o.headers ? { headers: o.headers } : {}),
    ...(o.amd ? { amd: { actionHook: `${resolved.baseUrl}/demo/status` } } : {}),
  };
}

/** `--app`, else the account's `demo` application, else the from number's, else its only one. */
async function resolveApplication(api: ApiClient, accountSid: string, given: string | undefined, numbers: readonly PhoneNumber[], from: string): Promise<string> {
  if (given) return given;
  const apps = await api.get<Application[]>(`/v1/Accounts/${accountSid}/Applications`);
  const digits = from.replace(/^\+/, '');
  const ofNumber = numbers.find((n) => n.number.replace(/^\+/, '') === digits)?.application_sid;
  const pick = apps.find((a) => a.name === 'demo')?.application_sid ?? ofNumber ?? (apps.length === 1 ? apps[0].application_sid : undefined);
  if (!pick) throw new CliError(`cannot tell which application runs the call (${apps.length} in the account, none named "demo"): pass --app APPLICATION_SID`);
  return pick;
}

function resolveFrom(numbers: readonly PhoneNumber[], given: string | undefined): string {
  if (given) return given;
  if (numbers.length === 0) throw new CliError('the account has no phone number to call from: pass --from NUMBER');
  return numbers[0].number;
}

const USAGE = `usage: vgw call --to NUMBER [flags]

Places a call through the gateway's REST API and prints its events until it is over.

  --to NUMBER          the callee: a phone number (e.g. +15550100, a simulator number) or a sip: URI
  --from NUMBER        caller id (default: the account's first phone number)
  --trunk NAME         carrier to use (default: chosen by the gateway)
  --app SID            application (default: the account's "demo" application)
  --account SID        account (default: the account named "demo", or the key's only account)
  --amd                answering-machine detection; amd.actionHook is <url>/demo/status
  --timeout S          ring timeout in seconds (1–600)
  --tag JSON           customerData, a JSON object
  --header 'N: v'      a SIP header on the INVITE (repeatable)
  --url URL            gateway (default: $VGW_URL or http://127.0.0.1:$VGW_HTTP_PORT, port 3000)
  --key KEY            API key (default: $VGW_API_KEY)
  --no-follow          print the new call's sid and exit
  --json               one JSON object per line
Ctrl-C hangs the call up (and waits for its end); a second Ctrl-C stops at once.
exit: 0 completed, 1 gateway unreachable, 2 usage or API error, 3 failed, 4 busy, 5 no-answer (docs/cli.md)
`;

/** Prints a CliError the way every command does and returns its exit code. */
export function report(cmd: string, e: unknown, err: NodeJS.WritableStream): number {
  if (!(e instanceof CliError)) throw e;
  err.write(`vgw ${cmd}: ${e.message}\n${e.details.map((d) => `  ${d}\n`).join('')}`);
  return e.exitCode;
}

async function placeCall(api: ApiClient, o: CallOptions): Promise<{ accountSid: string; sid: string; callId: string; body: Record<string, unknown> }> {
  const accountSid = await resolveAccount(api, o.account);
  const numbers = o.from && o.app ? [] : await api.get<PhoneNumber[]>(`/v1/Accounts/${accountSid}/PhoneNumbers`);
  const from = resolveFrom(numbers, o.from);
  const applicationSid = await resolveApplication(api, accountSid, o.app, numbers, from);
  const body = callBody(o, { applicationSid, from, baseUrl: api.url });
  const r = await api.request<{ sid: string; callId: string }>('POST', `/v1/Accounts/${accountSid}/Calls`, body);
  return { accountSid, sid: r.sid, callId: r.callId, body };
}

/** `vgw call …`; returns the exit status. */
export async function callCommand(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    const o = parseCallArgs(argv);
    if (o.help) {
      io.out.write(USAGE);
      return EXIT.ok;
    }
    const conn = connection(o, io.env);
    const api = new ApiClient(conn.url, conn.key, io.fetch);
    const placed = await placeCall(api, o);
    const to = (placed.body.to as { number?: string; sipUri?: string });
    io.out.write(o.json
      ? `${JSON.stringify({ account_sid: placed.accountSid, sid: placed.sid, callId: placed.callId, from: placed.body.from, to: placed.body.to })}\n`
      : `call ${placed.sid} placed: ${String(placed.body.from)} → ${to.number ?? to.sipUri ?? '?'} (Call-ID ${placed.callId})\n`);
    if (!o.follow) return EXIT.ok;
    return await followPlaced(api, placed.accountSid, placed.sid, o.json, io);
  } catch (e) {
    return report('call', e, io.err);
  }
}

/** Follows the new call; the first Ctrl-C hangs it up, a second one stops following. */
async function followPlaced(api: ApiClient, accountSid: string, sid: string, json: boolean, io: CliIo): Promise<number> {
  const stop = new AbortController();
  let interrupts = 0;
  const off = io.onInterrupt(() => {
    if (++interrupts > 1) return stop.abort();
    io.err.write(`vgw call: hanging up ${sid} (Ctrl-C again to stop waiting)\n`);
    api.request('DELETE', `/v1/Accounts/${accountSid}/Calls/${sid}`).catch((e: unknown) => io.err.write(`vgw call: hang-up failed: ${errorMessage(e)}\n`));
  });
  try {
    const final = await followTimeline(api, accountSid, sid, { out: io.out, json, signal: stop.signal });
    if (!final) return EXIT.interrupted;
    io.out.write(`${formatFinal(final, json)}\n`);
    return exitCodeFor(final.status);
  } finally {
    off();
  }
}
