/**
 * `dial.dtmfCapture` (contract §4.4): digits a leg sends while bridged are matched against
 * patterns such as `*2` or `#1`; a pattern matches when the digits so far end with it. A pause of
 * more than `interDigitMs` between two digits starts over, and a match clears what came before.
 */
export const DTMF_CAPTURE_INTER_DIGIT_MS = 2000;

export interface DtmfCaptureSpec {
  readonly parent: readonly string[];
  readonly child: readonly string[];
}

/** An array applies to the caller (parent) leg; `{parentCall, childCall}` names each leg's. */
export function dtmfCaptureSpec(v: readonly string[] | { readonly parentCall?: readonly string[]; readonly childCall?: readonly string[] } | undefined): DtmfCaptureSpec {
  if (v === undefined) return { parent: [], child: [] };
  if (Array.isArray(v)) return { parent: v, child: [] };
  const o = v as { readonly parentCall?: readonly string[]; readonly childCall?: readonly string[] };
  return { parent: o.parentCall ?? [], child: o.childCall ?? [] };
}

export class DtmfPatternMatcher {
  #digits = '';
  #lastAt = -Infinity;
  // Longest first, so `12` wins over `2` when both end the digits.
  readonly #patterns: readonly string[];

  constructor(patterns: readonly string[], private readonly interDigitMs = DTMF_CAPTURE_INTER_DIGIT_MS) {
    this.#patterns = [...new Set(patterns.map((p) => p.toUpperCase()))].sort((a, b) => b.length - a.length);
  }

  /** Adds one digit received at `atMs`; returns the pattern it completes, if any. */
  push(digit: string, atMs: number): string | undefined {
    if (atMs - this.#lastAt > this.interDigitMs) this.#digits = '';
    this.#lastAt = atMs;
    this.#digits = (this.#digits + digit.toUpperCase()).slice(-64);
    const hit = this.#patterns.find((p) => this.#digits.endsWith(p));
    if (hit !== undefined) this.#digits = '';
    return hit;
  }
}
