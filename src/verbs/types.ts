import type { CallControl, SynthesizerSpec } from '../call/control.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import type { ObjectSchema } from './schema.js';
import type { HookSpec } from './webhook/hook.js';

/** The validated properties of one verb, as the application wrote them (minus `verb` and `id`). */
export type VerbProps = Readonly<Record<string, unknown>>;

/** One verb of a validated list. */
export interface ParsedVerb {
  readonly name: string;
  readonly id?: string;
  readonly props: VerbProps;
  readonly definition: VerbDefinition;
}

export type VerbList = readonly ParsedVerb[];

/** What a verb asks the interpreter to do next. */
export interface VerbOutcome {
  /** A hook answered with verbs: they replace the rest of the application (contract §2.2). */
  readonly replace?: VerbList;
  /** The verb ended the call (hangup): nothing more runs, whatever the call's state says. */
  readonly end?: boolean;
}

export interface RecognizerSpec {
  readonly vendor: string;
  readonly language?: string;
  readonly label?: string;
  readonly [option: string]: unknown;
}

/** A background transcription (`transcribe`, `config.transcribe`), controlled by live control. */
export interface BackgroundTranscription {
  readonly active: boolean;
  pause(): void;
  resume(): void;
  stop(): void;
}

/** Session-wide settings the `config` verb changes and later verbs read. */
export interface SessionSettings {
  synthesizer: SynthesizerSpec;
  recognizer: RecognizerSpec;
  /** Other `config` keys (amd, bargeIn, record, …) kept for the features that will read them. */
  readonly extras: Map<string, unknown>;
  /** The application's defaults, for `config.reset`. */
  readonly initial: { readonly synthesizer: SynthesizerSpec; readonly recognizer: RecognizerSpec };
  /** Stops the AMD the last `config.amd` started (a later `config.amd` replaces it). */
  stopAmd?: () => void;
  /** The running background transcription, if any (issue 14). */
  transcription?: BackgroundTranscription;
  /** Stops the background gather `config.bargeIn` started (issue 14). */
  stopBargeIn?: () => void;
  /** Stops the background stream `config.listen` started (issue 15; a later one replaces it). */
  stopListen?: () => void;
}

/** Everything a verb may use while it runs (DESIGN.md §3: call interfaces only, never sip/media). */
export interface VerbContext {
  readonly call: CallControl;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly session: SessionSettings;
  /** The verb's `id`, sent as `verb_id` in its hook payloads. */
  readonly verbId?: string;
  /**
   * A `verb:hook` request: call info + `fields` (+ `verb_id`). Resolves with the verbs of the
   * reply, or undefined when the reply carried none (go on with the current list). Webhook and
   * validation failures reject; the interpreter turns them into an alert and a hang-up.
   */
  actionHook(spec: HookSpec, fields: Readonly<Record<string, unknown>>): Promise<VerbList | undefined>;
  /** A `session:redirect` request (call info only); an absolute hook on another host becomes the new base. */
  redirect(spec: HookSpec): Promise<VerbList | undefined>;
  /** The redirect verb's `statusHook`: a new call_status_hook for the rest of the call. */
  setStatusHook(spec: HookSpec): void;
  /**
   * Replaces the running application with `verbs` at once (aborting the running verb), for hook
   * replies to events that outlive the verb that asked for them (AMD). Ignored once the
   * application has ended.
   */
  replaceApplication(verbs: VerbList): void;
  /**
   * Runs a sub-application on another call (a dialed leg: `dial` confirmHook, contract §4.4):
   * requests `spec` with that call's info, then runs the verbs of the reply on it, with this
   * application's base URL and signing. Resolves when they run out (the leg is not hung up then)
   * or the leg ends; webhook and validation failures hang the leg up and reject.
   */
  runOnLeg(leg: CallControl, spec: HookSpec): Promise<void>;
  /**
   * Properties this verb uses that are accepted but not acted on (`verb.property`): an
   * `unsupported-feature` alert for each the application has not used before (issue 14).
   */
  reportUnsupported(uses: readonly string[]): void;
}

/** One verb: its name, its property schema (without `id`, which every verb accepts) and `run`. */
export interface VerbDefinition {
  readonly name: string;
  readonly schema: ObjectSchema;
  /** Runs the verb; must settle promptly once `signal` aborts (barge-in, hang-up, replaced list). */
  run(ctx: VerbContext, props: VerbProps, signal: AbortSignal): Promise<VerbOutcome | void>;
}

/**
 * Builds a VerbDefinition whose `run` gets its properties typed. The cast is safe because the
 * interpreter only runs verbs whose properties passed `schema`.
 */
export function defineVerb<P>(d: {
  readonly name: string;
  readonly schema: ObjectSchema;
  run(ctx: VerbContext, props: P, signal: AbortSignal): Promise<VerbOutcome | void>;
}): VerbDefinition {
  return { name: d.name, schema: d.schema, run: (ctx, props, signal) => d.run(ctx, props as unknown as P, signal) };
}
