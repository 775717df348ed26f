/**
 * Rounds for the benchmarks (scripts/bench-*.mjs): each side of a comparison (ours and its
 * baseline) runs several times, interleaved (ours, base, ours, base …) so that a slow phase of a
 * shared machine hits both sides, and each side is summarised by its median with the min–max.
 * Verdicts use the medians, so one noisy run does not decide them.
 */
import { GatewayError } from '../kernel/errors.js';

export class BenchRoundsError extends GatewayError {}

/** A side's runs: the median, the extremes and how many runs gave a finite value. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
}

/** One side of a comparison: `run(round)` measures once and resolves with its result. */
export interface BenchSide<R> {
  readonly name: string;
  readonly run: (round: number) => Promise<R>;
}

/**
 * The rounds a bench runs: `value` is BENCH_ROUNDS as read by the script (unset or empty gives
 * `fallback`); anything but a positive integer is refused.
 */
export function parseRounds(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new BenchRoundsError('BENCH_BAD_ROUNDS', `BENCH_ROUNDS must be a positive integer, got "${value}"`);
  return n;
}

/** Median (mean of the two middle values for an even count), min and max of the finite values. */
export function spread(values: readonly number[]): Spread {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs: 0 };
  const mid = v.length >> 1;
  const median = v.length % 2 === 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { median, min: v[0], max: v[v.length - 1], runs: v.length };
}

/** The ratio of the medians of two sides' runs (NaN when the baseline's median is 0 or missing). */
export function medianRatio(ours: readonly number[], base: readonly number[]): number {
  const b = spread(base).median;
  return b === 0 || !Number.isFinite(b) ? Number.NaN : spread(ours).median / b;
}

/** "median (min–max)" with `digits` decimals; the median alone for one run; "-" for none. */
export function formatSpread(s: Spread, digits = 2): string {
  if (s.runs === 0) return '-';
  const f = (x: number): string => x.toFixed(digits);
  return s.runs === 1 ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}

/**
 * Runs every side once per round, in the order given, one at a time (a side never overlaps
 * another on the machine), for `rounds` rounds. `onResult` is called after each run (to print
 * it). Resolves with each side's results in round order, keyed by side name.
 */
export async function interleaved<R>(
  rounds: number,
  sides: readonly BenchSide<R>[],
  onResult?: (side: string, round: number, result: R) => void,
): Promise<Record<string, R[]>> {
  const out: Record<string, R[]> = Object.fromEntries(sides.map((s) => [s.name, [] as R[]]));
  for (let round = 0; round < rounds; round++) {
    for (const side of sides) {
      const result = await side.run(round);
      out[side.name].push(result);
      onResult?.(side.name, round, result);
    }
  }
  return out;
}
