/**
 * The simulator carrier's number plan: the last digits of the dialled number pick what the
 * simulated callee does. Pure data and functions, so the composition root can provision demo
 * numbers from it and the README can list it.
 */

export type SimulatorBehaviour =
  | 'human'
  | 'voicemail'
  | 'busy'
  | 'ring-no-answer'
  | 'ring-then-answer'
  | 'decline'
  | 'unavailable';

export interface NumberPlanEntry {
  /** The ending of the dialled digits, `NN` standing for two digits 01–59. */
  readonly suffix: string;
  readonly behaviour: SimulatorBehaviour;
  /** A number that triggers it (E.164 style, as a demo account would own it). */
  readonly example: string;
  readonly description: string;
}

/** The plan, most specific first (docs/simulator.md shows the same table). */
export const SIMULATOR_PLAN: readonly NumberPlanEntry[] = [
  { suffix: '0100', behaviour: 'human', example: '+15550100', description: '180, 200 after ~0.5 s, ~300 ms silence, "Hello?", then listens; BYE after 60 s' },
  { suffix: '0101', behaviour: 'voicemail', example: '+15550101', description: '180, 200 after ~0.5 s, ~6 s greeting, ~300 ms silence, 500 ms 1 kHz beep, then records; BYE after 60 s' },
  { suffix: '0486', behaviour: 'busy', example: '+15550486', description: '486 Busy Here' },
  { suffix: '0487', behaviour: 'ring-no-answer', example: '+15550487', description: '180 until the caller CANCELs, then 487' },
  { suffix: '02NN', behaviour: 'ring-then-answer', example: '+15550205', description: '180 for NN seconds (01–59), then answers as a human' },
  { suffix: '0603', behaviour: 'decline', example: '+15550603', description: '603 Decline' },
  { suffix: '0503', behaviour: 'unavailable', example: '+15550503', description: '503 Service Unavailable' },
];

/** Behaviour name → a number that triggers it. Any number not in the plan answers as a human. */
export const SIMULATOR_NUMBERS: Readonly<Record<SimulatorBehaviour, string>> = Object.freeze(
  Object.fromEntries(SIMULATOR_PLAN.map((e) => [e.behaviour, e.example])) as Record<SimulatorBehaviour, string>,
);

/** What one call does, decided from its dialled number. */
export type CallPlan =
  | { readonly behaviour: SimulatorBehaviour; readonly kind: 'reject'; readonly status: number; readonly reason: string }
  | { readonly behaviour: SimulatorBehaviour; readonly kind: 'ring-forever' }
  | { readonly behaviour: SimulatorBehaviour; readonly kind: 'answer'; readonly ringMs: number; readonly as: 'human' | 'voicemail' };

export interface PlanOptions {
  /** Ringing before a human or voicemail answers. Default 500 ms. */
  readonly answerDelayMs?: number;
}

/** The Request-URI user as digits only: a leading `+` and every non-digit removed. */
export function normaliseNumber(user: string | undefined): string {
  return (user ?? '').replace(/\D+/g, '');
}

/** Picks the behaviour for a dialled number (already normalised or not). */
export function planFor(dialled: string, opts: PlanOptions = {}): CallPlan {
  const digits = normaliseNumber(dialled);
  const answerDelayMs = opts.answerDelayMs ?? 500;
  const last4 = digits.slice(-4);
  switch (last4) {
    case '0101':
      return { behaviour: 'voicemail', kind: 'answer', ringMs: answerDelayMs, as: 'voicemail' };
    case '0486':
      return { behaviour: 'busy', kind: 'reject', status: 486, reason: 'Busy Here' };
    case '0487':
      return { behaviour: 'ring-no-answer', kind: 'ring-forever' };
    case '0603':
      return { behaviour: 'decline', kind: 'reject', status: 603, reason: 'Decline' };
    case '0503':
      return { behaviour: 'unavailable', kind: 'reject', status: 503, reason: 'Service Unavailable' };
    default:
      break;
  }
  const ring = /02(\d\d)$/.exec(digits);
  const seconds = ring ? Number(ring[1]) : 0;
  if (seconds >= 1 && seconds <= 59) return { behaviour: 'ring-then-answer', kind: 'answer', ringMs: seconds * 1000, as: 'human' };
  return { behaviour: 'human', kind: 'answer', ringMs: answerDelayMs, as: 'human' };
}
