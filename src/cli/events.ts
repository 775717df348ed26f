/**
 * `vgw events [--follow] [--call SID]`: watches an account's calls through the REST API
 * (docs/cli.md). With `--call`, one call's Timeline; without, the account's live calls (a line
 * when a call appears, changes `call_status` or ends, with its final status from RecentCalls).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ParseArgsConfig } from 'node:util';
import {
  ApiClient, CONNECTION_FLAGS, connection, EXIT, exitCodeFor, finalRecord, followTimeline, formatEntry, formatFinal,
  parseFlags, processIo, report, resolveAccount, type CliIo, type TimelineReply,
} from './call.js';

const EVENTS_FLAGS = {
  ...CONNECTION_FLAGS,
  follow: { type: 'boolean', short: 'f' },
  call: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

const USAGE = `usage: vgw events [--follow] [--call CALL_SID] [flags]

  --follow, -f     keep watching until Ctrl-C (with --call: until the call is over)
  --call SID       one call's timeline instead of the account's live calls
  --account SID    account (default: the account named "demo", or the key's only account)
  --url URL        gateway (default: $VGW_URL or http://127.0.0.1:$VGW_HTTP_PORT, port 3000)
  --key KEY        API key (default: $VGW_API_KEY)
  --json           one JSON object per line
Without --follow it prints the live calls (or the call's timeline) once.
exit: 0 (also on Ctrl-C); with --call --follow the call's outcome as for vgw call (docs/cli.md)
`;

/** A live call as `GET /v1/Accounts/{sid}/Calls` lists it (the fields used here). */
export interface LiveCall {
  readonly call_sid: string;
  readonly direction: string;
  readonly from: string;
  readonly to: string;
  readonly call_status: string;
}

/** One change seen between two polls of the live calls. */
export interface CallChange {
  readonly kind: 'new' | 'status' | 'gone';
  readonly call: LiveCall;
}

/** What changed from `before` to `now`: new calls, status changes, calls that are gone. */
export function diffCalls(before: ReadonlyMap<string, LiveCall>, now: readonly LiveCall[]): CallChange[] {
  const out: CallChange[] = [];
  const seen = new Set<string>();
  for (const c of now) {
    seen.add(c.call_sid);
    const old = before.get(c.call_sid);
    if (!old) out.push({ kind: 'new', call: c });
    else if (old.call_status !== c.call_status) out.push({ kind: 'status', call: c });
  }
  for (const [sid, c] of before) if (!seen.has(sid)) out.push({ kind: 'gone', call: c });
  return out;
}

const clock = (d = new Date()): string => d.toISOString().slice(11, 23);

/** `12:00:01.234  <sid>  new     outbound +15551230000 → +15550100  trying`. */
export function formatChange(ch: CallChange, finalText?: string): string {
  const c = ch.call;
  const what = ch.kind === 'new' ? `new     ${c.direction} ${c.from} → ${c.to}  ${c.call_status}`
    : ch.kind === 'status' ? `status  ${c.call_status}`
      : `ended   ${finalText ?? 'no record'}`;
  return `${clock()}  ${c.call_sid}  ${what}`;
}

function changeJson(ch: CallChange, final?: Record<string, unknown>): string {
  const c = ch.call;
  const event = ch.kind === 'gone' ? 'ended' : ch.kind;
  return JSON.stringify({ at: new Date().toISOString(), event, call_sid: c.call_sid, direction: c.direction, from: c.from, to: c.to, call_status: c.call_status, ...final });
}

interface WatchOptions {
  readonly out: NodeJS.WritableStream;
  readonly json: boolean;
  readonly signal: AbortSignal;
  readonly intervalMs?: number;
}

/** Prints a gone call's final status (RecentCalls); its record may take a moment to be written. */
async function printEnded(api: ApiClient, accountSid: string, ch: CallChange, o: WatchOptions): Promise<void> {
  const cdr = await finalRecord(api, accountSid, ch.call.call_sid).catch(() => undefined);
  const status = cdr ? (cdr.answered ? 'completed' : cdr.termination_cause ?? 'failed') : undefined;
  if (o.json) {
    o.out.write(`${changeJson(ch, cdr ? { call_status: status, sip_status: cdr.sip_status, duration: cdr.duration, termination_reason: cdr.termination_reason } : {})}\n`);
    return;
  }
  const text = cdr && status ? formatFinal({ callSid: ch.call.call_sid, status, sipStatus: cdr.sip_status, duration: cdr.duration, reason: cdr.termination_reason }, false).replace(/^final: /, '') : undefined;
  o.out.write(`${formatChange(ch, text)}\n`);
}

/** Polls the live calls until `signal` aborts, printing every change. */
export async function watchLiveCalls(api: ApiClient, accountSid: string, o: WatchOptions): Promise<void> {
  let known = new Map<string, LiveCall>();
  const pending = new Set<Promise<void>>();
  let failures = 0;
  while (!o.signal.aborted) {
    let now: LiveCall[] | undefined;
    try {
      now = await api.get<LiveCall[]>(`/v1/Accounts/${accountSid}/Calls`);
      failures = 0;
    } catch (e) {
      if (++failures > 20) throw e;
    }
    if (now && !o.signal.aborted) {
      for (const ch of diffCalls(known, now)) {
        if (ch.kind !== 'gone') {
          o.out.write(`${o.json ? changeJson(ch) : formatChange(ch)}\n`);
          continue;
        }
        const p = printEnded(api, accountSid, ch, o).finally(() => pending.delete(p));
        pending.add(p);
      }
      known = new Map(now.map((c) => [c.call_sid, c]));
    }
    await sleep(o.intervalMs ?? 250, undefined, { signal: o.signal }).catch(() => undefined);
  }
  await Promise.race([Promise.all(pending), sleep(500)]);
}

async function printOnce(api: ApiClient, accountSid: string, callSid: string | undefined, io: CliIo, json: boolean): Promise<number> {
  if (callSid) {
    const tl = await api.get<TimelineReply>(`/v1/Accounts/${accountSid}/Calls/${callSid}/Timeline`);
    for (const e of tl.timeline) io.out.write(`${json ? JSON.stringify({ call_sid: callSid, ...e }) : formatEntry(e)}\n`);
    io.out.write(json ? `${JSON.stringify({ call_sid: callSid, call_status: tl.call_status, live: tl.live })}\n` : `status: ${tl.call_status ?? '?'}${tl.live ? ' (live)' : ''}\n`);
    return EXIT.ok;
  }
  const calls = await api.get<LiveCall[]>(`/v1/Accounts/${accountSid}/Calls`);
  if (calls.length === 0 && !json) io.out.write('no live calls\n');
  for (const c of calls) io.out.write(`${json ? changeJson({ kind: 'status', call: c }) : `${c.call_sid}  ${c.direction} ${c.from} → ${c.to}  ${c.call_status}`}\n`);
  return EXIT.ok;
}

/** `vgw events …`; returns the exit status. */
export async function eventsCommand(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const stop = new AbortController();
  let off: (() => void) | undefined;
  try {
    const v = parseFlags(argv, EVENTS_FLAGS);
    if (v.help) {
      io.out.write(USAGE);
      return EXIT.ok;
    }
    const conn = connection(v, io.env);
    const api = new ApiClient(conn.url, conn.key, io.fetch);
    const accountSid = await resolveAccount(api, v.account);
    const json = v.json === true;
    if (!v.follow) return await printOnce(api, accountSid, v.call, io, json);
    off = io.onInterrupt(() => stop.abort());
    if (v.call) {
      const final = await followTimeline(api, accountSid, v.call, { out: io.out, json, signal: stop.signal });
      if (!final) return EXIT.ok;
      io.out.write(`${formatFinal(final, json)}\n`);
      return exitCodeFor(final.status);
    }
    if (!json) io.err.write(`watching the live calls of account ${accountSid} (Ctrl-C to stop)\n`);
    await watchLiveCalls(api, accountSid, { out: io.out, json, signal: stop.signal });
    return EXIT.ok;
  } catch (e) {
    return report('events', e, io.err);
  } finally {
    off?.();
  }
}
