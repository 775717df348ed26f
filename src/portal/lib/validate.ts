/**
 * Client-side checks that save a round trip (required fields, numbers, JSON). Everything else —
 * URL shapes, duplicates, references — is the API's to judge; its messages are shown as they are.
 */
export type Values = Readonly<Record<string, string | boolean>>;
export type Rule = (value: string | boolean, values: Values) => string | undefined;
export type Rules = Readonly<Record<string, readonly Rule[]>>;

const text = (v: string | boolean): string => (typeof v === 'string' ? v.trim() : '');

export const required: Rule = (v) => (text(v) === '' ? 'is required' : undefined);

export function requiredIf(other: string, why: string): Rule {
  return (v, values) => (values[other] === true && text(v) === '' ? `is required ${why}` : undefined);
}

export function integer(min: number, max: number): Rule {
  return (v) => {
    const s = text(v);
    if (s === '') return undefined;
    if (!/^-?\d+$/.test(s)) return 'must be a whole number';
    const n = Number(s);
    return n < min || n > max ? `must be between ${min} and ${max}` : undefined;
  };
}

/** A JSON object (for `tag` and `headers`); empty is fine. */
export const jsonObject: Rule = (v) => {
  const s = text(v);
  if (s === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(s);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? undefined : 'must be a JSON object, e.g. {"key": "value"}';
  } catch {
    return 'is not valid JSON';
  }
};

/** A date in the future (for key expiry); empty means "never". */
export function futureDate(now: () => number = Date.now): Rule {
  return (v) => {
    const s = text(v);
    if (s === '') return undefined;
    const t = Date.parse(s);
    if (Number.isNaN(t)) return 'is not a valid date';
    return t <= now() ? 'must be in the future' : undefined;
  };
}

/** Field → first message, for the fields that fail. */
export function validate(values: Values, rules: Rules): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, list] of Object.entries(rules)) {
    for (const rule of list) {
      const msg = rule(values[field] ?? '', values);
      if (msg) {
        out[field] = msg;
        break;
      }
    }
  }
  return out;
}
