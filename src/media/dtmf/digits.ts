/** DTMF digits and their RFC 4733 §3.2 event codes (0–9, * = 10, # = 11, A–D = 12–15). */
export type DtmfDigit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '#' | 'A' | 'B' | 'C' | 'D';

const DIGITS = '0123456789*#ABCD';

export function eventToDigit(event: number): DtmfDigit | undefined {
  return event >= 0 && event < 16 ? (DIGITS[event] as DtmfDigit) : undefined;
}

export function digitToEvent(digit: string): number | undefined {
  const i = DIGITS.indexOf(digit.toUpperCase());
  return i >= 0 && digit.length === 1 ? i : undefined;
}

export function isDtmfDigit(s: string): s is DtmfDigit {
  return s.length === 1 && DIGITS.includes(s);
}
