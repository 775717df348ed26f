import type { CallInfo } from '../../call/control.js';
import type { ContactOutcome } from '../../store/index.js';
import type { CallObserver, ObservedCallControl } from '../application-runner.js';
import { answeredOutcome, unansweredOutcome, type Voicemail } from './config.js';

const FINAL = new Set(['completed', 'failed', 'busy', 'no-answer']);

export interface AttemptHooks {
  /** The first AMD verdict (human or machine). */
  verdict(v: 'human' | 'machine'): void;
  /** The call ended: its outcome (issue 17 rules) and final info. */
  ended(outcome: ContactOutcome, info: CallInfo): void;
  /** The voicemail action could not run (e.g. invalid verbs). */
  failure(message: string): void;
}

/**
 * One campaign call as its observer sees it: remembers the answer and the first AMD verdict,
 * runs the voicemail action, and gives the outcome when the call ends. Hooks only fire once
 * `open()` was called (the attempt is in the store), so a fast 486 cannot overtake the record.
 */
export class AttemptTracker implements CallObserver {
  private answered = false;
  private amdVerdict: 'human' | 'machine' | null = null;
  private waitingForBeep = false;
  private ready = false;
  private queued: (() => void)[] = [];
  private done = false;

  constructor(private readonly voicemail: Voicemail | undefined, private readonly hooks: AttemptHooks) {}

  /** The attempt is recorded: deliver what happened meanwhile, and the rest as it comes. */
  open(): void {
    this.ready = true;
    const q = this.queued;
    this.queued = [];
    for (const f of q) f();
  }

  private later(f: () => void): void {
    if (this.ready) f();
    else this.queued.push(f);
  }

  status(info: CallInfo): void {
    if (info.call_status === 'in-progress') this.answered = true;
    if (!FINAL.has(info.call_status) || this.done) return;
    this.done = true;
    const outcome = this.answered ? answeredOutcome(this.amdVerdict) : unansweredOutcome(info);
    this.later(() => this.hooks.ended(outcome, info));
  }

  amd(event: Readonly<Record<string, unknown>>, control: ObservedCallControl): void {
    const type = event.type;
    if (this.amdVerdict === null && (type === 'amd_human_detected' || type === 'amd_machine_detected')) {
      const v = type === 'amd_human_detected' ? 'human' : 'machine';
      this.amdVerdict = v;
      this.later(() => this.hooks.verdict(v));
      if (v === 'machine') this.onMachine(control);
      return;
    }
    if (this.waitingForBeep && (type === 'amd_tone_detected' || type === 'amd_machine_stopped_speaking')) {
      this.waitingForBeep = false;
      this.drop(control);
    }
  }

  /** `hangup` (the default) at once; `drop` waits for the beep or the end of the greeting. */
  private onMachine(control: ObservedCallControl): void {
    if (this.voicemail?.action === 'drop' && this.voicemail.verbs && this.voicemail.verbs.length > 0) {
      this.waitingForBeep = true;
      return;
    }
    control.hangup().catch((e: unknown) => this.hooks.failure(`voicemail hangup: ${e instanceof Error ? e.message : String(e)}`));
  }

  /** The voicemail drop: the message verbs replace the application (issue 17). */
  private drop(control: ObservedCallControl): void {
    try {
      control.replace(this.voicemail?.verbs ?? []);
    } catch (e) {
      this.hooks.failure(`voicemail drop: ${e instanceof Error ? e.message : String(e)}`);
      control.hangup().catch((err: unknown) => this.hooks.failure(`voicemail hangup: ${err instanceof Error ? err.message : String(err)}`));
    }
  }
}
