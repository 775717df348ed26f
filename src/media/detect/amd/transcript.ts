/**
 * Transcript rules (contract §3.4 step 3), used only when a recogniser feeds text in: a
 * voicemail phrase (`hint`), a run of `digitCount` digits (`digit count`) or at least
 * `thresholdWordCount` words (`long greeting`, as jambonz names it) make a machine. A short final transcript does not by
 * itself make a human here: the energy detector decides that from the silence after it.
 */
import type { AmdParams } from './params.js';

export interface TranscriptVerdict {
  readonly reason: 'hint' | 'digit count' | 'long greeting';
  readonly confidence: number;
  readonly hint?: string;
}

const NUMBER_WORDS: Readonly<Record<string, string>> = {
  zero: '0', oh: '0', one: '1', two: '2', three: '3', four: '4', five: '5', six: '6', seven: '7', eight: '8', nine: '9',
};

export function countWords(text: string): number {
  return text.split(/\s+/).filter((w) => w.length > 0).length;
}

/** The longest run of digits, counting spelled digits ("five five five") and ignoring separators. */
export function longestDigitRun(text: string): number {
  const tokens = text.toLowerCase().split(/[\s,.;:!?()-]+/).filter((w) => w.length > 0);
  let best = 0;
  let run = 0;
  for (const tok of tokens) {
    const digits = /^\d+$/.test(tok) ? tok.length : NUMBER_WORDS[tok] !== undefined ? 1 : 0;
    run = digits > 0 ? run + digits : 0;
    if (run > best) best = run;
  }
  return best;
}

export function transcriptVerdict(text: string, params: AmdParams): TranscriptVerdict | undefined {
  const lower = text.toLowerCase().replace(/[’`]/g, "'");
  const hint = params.voicemailPhrases.find((p) => lower.includes(p));
  if (hint !== undefined) return { reason: 'hint', confidence: 0.9, hint };
  if (params.digitCount > 0 && longestDigitRun(lower) >= params.digitCount) return { reason: 'digit count', confidence: 0.8 };
  const words = countWords(lower);
  if (words >= params.thresholdWordCount) return { reason: 'long greeting', confidence: Math.min(0.95, 0.7 + 0.02 * (words - params.thresholdWordCount)) };
  return undefined;
}
