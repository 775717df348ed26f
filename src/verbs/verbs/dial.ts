import type { CallControl, ChildLeg, DialTarget } from '../../call/control.js';
import { anyAborted } from '../../kernel/abort.js';
import { detach } from '../../kernel/detached.js';
import { linkedController } from '../abort.js';
import { arr, headersSchema, hookSchema, LIMITS, num, obj, oneOf, opt, req, str, type ObjectSchema } from '../schema.js';
import { fromSpec } from '../spec.js';
import { defineVerb, type VerbContext, type VerbOutcome } from '../types.js';
import type { HookSpec } from '../webhook/hook.js';
import { amdEventSink, amdSchema, type AmdProps } from './config.js';
import { dtmfCaptureSpec, DtmfPatternMatcher } from './dtmf-patterns.js';
import { listenSchema, startBackgroundStream, type ListenProps } from './listen.js';
import { transcribeBridge, transcribeSchema, type TranscribeProps } from './transcribe.js';
import { describe } from './media.js';

/** A target as the application writes it: the call layer's, plus call screening. */
type DialTargetProps = DialTarget & { readonly confirmHook?: HookSpec; readonly method?: string };

interface DialProps {
  readonly target: readonly DialTargetProps[];
  readonly actionHook?: HookSpec;
  readonly answerOnBridge?: boolean;
  readonly timeout?: number;
  readonly timeLimit?: number;
  readonly callerId?: string;
  readonly callerName?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly dialMusic?: string;
  readonly tag?: Readonly<Record<string, unknown>>;
  readonly amd?: AmdProps;
  readonly dtmfCapture?: readonly string[] | { readonly parentCall?: readonly string[]; readonly childCall?: readonly string[] };
  readonly dtmfHook?: HookSpec;
  readonly transcribe?: TranscribeProps;
  readonly listen?: ListenProps;
  readonly stream?: ListenProps;
}

const patterns = (): ReturnType<typeof arr> => arr(str({ nonEmpty: true }));

/**
 * The specification's `target` (`type` "teams", `vmail`, `tenant`, `overrideTo`, `proxy`, `from`
 * are accepted; src/verbs/unsupported.ts says which are not acted on), with our header rules.
 */
const targetSchema = fromSpec('target', {
  number: opt(str({ nonEmpty: true })),
  sipUri: opt(str({ nonEmpty: true })),
  name: opt(str({ nonEmpty: true })),
  trunk: opt(str({ nonEmpty: true })),
  auth: opt(obj({ username: req(str({ nonEmpty: true })), password: req(str({ nonEmpty: true })) })),
  headers: opt(headersSchema()),
  confirmHook: opt(hookSchema()),
});

/** The specification's `dial`, with our bounds, header and URL rules and our `amd`. */
export const dialSchema: ObjectSchema = fromSpec('dial', {
  target: req(arr(targetSchema)),
  actionHook: opt(hookSchema()),
  timeout: opt(num({ min: 1, max: LIMITS.ringSeconds })),
  timeLimit: opt(num({ min: 1, max: LIMITS.callSeconds })),
  callerId: opt(str({ nonEmpty: true })),
  headers: opt(headersSchema()),
  dialMusic: opt(str({ nonEmpty: true, httpUrl: true })),
  amd: opt(amdSchema),
  transcribe: opt(transcribeSchema),
  listen: opt(listenSchema),
  stream: opt(listenSchema),
  dtmfCapture: opt(oneOf('an array of DTMF patterns, or {parentCall, childCall}', patterns(), obj({ parentCall: opt(patterns()), childCall: opt(patterns()) }))),
  dtmfHook: opt(hookSchema()),
});

type Result = { status: string; sipStatus: number; childSid?: string };

/**
 * Rings every target at once (contract §4.4). The first leg to answer and pass `confirm` (its
 * confirmHook application, if any; the others go on ringing meanwhile) wins, and the rest get
 * CANCEL or BYE. A leg its confirm application hangs up counts as no-answer.
 */
async function ring(legs: ChildLeg[], signal: AbortSignal, confirm: (leg: ChildLeg) => Promise<boolean>, report: (what: string, p: Promise<unknown>) => void): Promise<ChildLeg | Result> {
  let last: Result = { status: 'failed', sipStatus: 480 };
  const pending = new Set(legs);
  let settled = false;
  return new Promise((resolve) => {
    const finish = (r: ChildLeg | Result): void => {
      settled = true;
      signal.removeEventListener('abort', stop);
      resolve(r);
    };
    const stop = (): void => {
      for (const l of pending) report('cancelling a dial leg', l.hangup());
      pending.clear();
      finish({ ...last, status: 'no-answer' });
    };
    if (signal.aborted) return stop();
    signal.addEventListener('abort', stop, { once: true });
    for (const leg of legs) {
      report('following a dial leg', leg.outcome.then(async (o) => {
        if (settled) return;
        if (o.answered) {
          const accepted = await confirm(leg);
          if (settled) return report('hanging up a late dial leg', leg.hangup());
          if (accepted && !leg.endedSignal.aborted) {
            pending.delete(leg);
            for (const other of pending) report('cancelling a dial leg', other.hangup());
            pending.clear();
            return finish(leg);
          }
          report('hanging up a refused dial leg', leg.hangup());
          last = { status: 'no-answer', sipStatus: 480, childSid: leg.sid };
        } else {
          last = { status: o.status, sipStatus: o.sipStatus, childSid: leg.sid };
        }
        pending.delete(leg);
        if (pending.size === 0) finish(last);
      }));
    }
  });
}

/** `dial`: child legs through the same carrier choice as REST calls, bridged to this call. */
export const dial = defineVerb<DialProps>({
  name: 'dial',
  schema: dialSchema,
  async run(ctx, p, signal) {
    const call = ctx.call;
    if (!canDial(call)) throw new Error('this call cannot dial');
    if (!p.answerOnBridge) await call.answer();
    const { won, placeError } = await ringTargets(ctx, call, p, signal);
    if (!('sid' in won && 'outcome' in won)) return reportNoBridge(ctx, p, signal, won as Result, placeError);
    return bridgeWinner(ctx, call, p, signal, won as ChildLeg);
  },
});

/** A call that can place child legs and bridge to one. */
type DialingCall = CallControl & Required<Pick<CallControl, 'placeChild' | 'bridgeTo'>>;

function canDial(call: CallControl): call is DialingCall {
  return Boolean(call.placeChild && call.bridgeTo);
}

/** The placed legs, the confirmHook of each screened one, and why the last failed placement failed. */
interface Placed {
  readonly legs: ChildLeg[];
  readonly confirmHooks: Map<ChildLeg, HookSpec>;
  readonly placeError?: string;
}

/** Places the first 10 targets in order; a target that cannot be placed is skipped. */
async function placeLegs(call: DialingCall, p: DialProps): Promise<Placed> {
  const legs: ChildLeg[] = [];
  const confirmHooks = new Map<ChildLeg, HookSpec>();
  let placeError: string | undefined;
  for (const target of p.target.slice(0, 10)) {
    try {
      const leg = await call.placeChild({ target, callerId: p.callerId, callerName: p.callerName, timeout: p.timeout ?? 60, timeLimit: p.timeLimit, headers: p.headers, customerData: p.tag });
      legs.push(leg);
      if (target.confirmHook !== undefined) confirmHooks.set(leg, withMethod(target.confirmHook, target.method));
    } catch (e) {
      placeError = describe(e);
    }
  }
  return { legs, confirmHooks, placeError };
}

/** Places the legs and rings them (with dialMusic meanwhile) until one wins, all fail, or `timeout`. */
async function ringTargets(ctx: VerbContext, call: DialingCall, p: DialProps, signal: AbortSignal): Promise<{ won: ChildLeg | Result; placeError?: string }> {
  const link = linkedController(signal);
  const ringing = link.controller;
  const timer = ctx.clock.setTimer((p.timeout ?? 60) * 1000, () => ringing.abort());
  const { legs, confirmHooks, placeError } = await placeLegs(call, p);
  const music = p.dialMusic && call.answered && legs.length > 0 ? linkedController(ringing.signal).controller : undefined;
  if (music && p.dialMusic) detach(ctx.logger, 'dial music', loopMusic(ctx, p.dialMusic, music.signal));
  const confirm = (leg: ChildLeg): Promise<boolean> => confirmLeg(ctx, leg, confirmHooks.get(leg));
  const won = legs.length > 0 ? await ring(legs, ringing.signal, confirm, (what, p) => detach(ctx.logger, what, p)) : { status: 'failed', sipStatus: 500 };
  timer.cancel();
  music?.abort();
  link.dispose();
  return { won, placeError };
}

/** No leg was bridged: TRANSFER_DIAL_ERROR, then the actionHook with the last leg's result. */
async function reportNoBridge(ctx: VerbContext, p: DialProps, signal: AbortSignal, r: Result, placeError: string | undefined): Promise<VerbOutcome | void> {
  ctx.call.notifyEvent?.('TRANSFER_DIAL_ERROR', { dial_call_status: r.status, dial_sip_status: r.sipStatus, ...(placeError ? { error: placeError } : {}) });
  if (signal.aborted || !p.actionHook) return;
  return { replace: await ctx.actionHook(p.actionHook, { dial_call_status: r.status, dial_sip_status: r.sipStatus, ...(r.childSid ? { dial_call_sid: r.childSid } : {}) }) };
}

/** Bridges the winning leg until either side ends (or the verb is cancelled), then the actionHook. */
async function bridgeWinner(ctx: VerbContext, call: DialingCall, p: DialProps, signal: AbortSignal, leg: ChildLeg): Promise<VerbOutcome | void> {
  if (p.answerOnBridge) await call.answer();
  call.bridgeTo(leg);
  call.notifyEvent?.('TRANSFER_DIAL_SUCCESS', { dial_call_sid: leg.sid });
  if (p.amd) startLegAmd(ctx, leg, p.amd);
  const stopCapture = startDtmfCapture(ctx, leg, p);
  const stopTranscribing = p.transcribe ? transcribeBridge(ctx, p.transcribe, leg.control) : () => undefined;
  // dial.listen (issue 15): the bridge's audio streams for as long as the bridge lasts.
  const listenOpts = p.listen ?? p.stream;
  const stopListening = listenOpts ? startBackgroundStream(ctx, call, listenOpts) : () => undefined;
  await anyAborted(leg.endedSignal, signal);
  stopCapture();
  stopTranscribing();
  stopListening();
  if (!leg.endedSignal.aborted) await leg.hangup();
  if (signal.aborted || call.endedSignal.aborted || !p.actionHook) return;
  return { replace: await ctx.actionHook(p.actionHook, { dial_call_status: 'completed', dial_sip_status: 200, dial_call_sid: leg.sid }) };
}

/**
 * Call screening (`target.confirmHook`, contract §4.4): the hook's application runs on the
 * answered leg before it is bridged; the leg is accepted if it is still up when the application
 * runs out of verbs. A failing application has already hung the leg up (and raised its alert).
 */
async function confirmLeg(ctx: VerbContext, leg: ChildLeg, hook: HookSpec | undefined): Promise<boolean> {
  if (hook === undefined) return true;
  if (!leg.control) {
    ctx.call.alert('verb-failure', 'dial: this leg cannot run a confirmHook application');
    return false;
  }
  try {
    await ctx.runOnLeg(leg.control, hook);
  } catch (e) {
    ctx.logger.debug('dial confirmHook application failed', { leg: leg.sid, err: describe(e) });
    return false;
  }
  return !leg.endedSignal.aborted;
}

/** A target's `confirmHook` with its sibling `method` (jambonz's target shape). */
function withMethod(hook: HookSpec, method: string | undefined): HookSpec {
  return typeof hook === 'string' && method ? { url: hook, method } : hook;
}

/**
 * `dial.amd` (contract §3.1): AMD on the answered B leg's audio; its events carry the call info of
 * the parent (this) call, and a verb list in a reply replaces the parent's application.
 */
function startLegAmd(ctx: VerbContext, leg: ChildLeg, amd: AmdProps): void {
  if (!leg.startAmd) {
    ctx.call.alert('amd-error', 'the dialed leg cannot run answering-machine detection');
    return;
  }
  try {
    leg.startAmd(amd, amdEventSink(ctx, amd));
  } catch (e) {
    ctx.call.alert('amd-error', `dial.amd: ${describe(e)}`);
  }
}

/**
 * `dial.dtmfCapture` + `dtmfHook` (contract §4.4): while bridged, each pattern a leg's digits
 * complete is posted to `dtmfHook` as `{dtmf}` with the call info. A notification: the reply's
 * verbs are not run (the app acts through the REST API). Returns a function that stops it.
 */
function startDtmfCapture(ctx: VerbContext, leg: ChildLeg, p: DialProps): () => void {
  const spec = dtmfCaptureSpec(p.dtmfCapture);
  const hook = p.dtmfHook;
  if (!hook) {
    if (spec.parent.length + spec.child.length > 0) ctx.call.alert('invalid-app-payload', 'dial.dtmfCapture needs a dtmfHook');
    return () => undefined;
  }
  const watch = (list: readonly string[], subscribe: ((l: (digit: string) => void) => () => void) | undefined): (() => void) => {
    if (list.length === 0 || !subscribe) return () => undefined;
    const matcher = new DtmfPatternMatcher(list);
    return subscribe((digit) => {
      const dtmf = matcher.push(digit, ctx.clock.now());
      if (dtmf === undefined) return;
      ctx.actionHook(hook, { dtmf }).catch((e: unknown) => ctx.call.alert('webhook-failure', `dial.dtmfHook: ${describe(e)}`));
    });
  };
  const stops = [watch(spec.parent, (l) => ctx.call.onDtmf(l)), watch(spec.child, leg.onDtmf?.bind(leg))];
  return () => stops.forEach((stop) => stop());
}

async function loopMusic(ctx: VerbContext, url: string, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      const r = await ctx.call.play(url, signal);
      if (r.playbackMs === 0) return;
    } catch (e) {
      ctx.call.alert('play-url-notfound', `dialMusic ${url}: ${describe(e)}`);
      return;
    }
  }
}
