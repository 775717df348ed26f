import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { ContactInput } from '../../store/index.js';
import { CsvError, parseCsv } from './csv.js';

/** A row refused, by its line (CSV: the file's line; JSON: the 1-based position in the array). */
export interface RowError {
  readonly line: number;
  readonly msg: string;
}

export interface ParsedContacts {
  readonly contacts: ContactInput[];
  readonly errors: RowError[];
}

/** `number` in E.164 form, with or without its `+`, checked against libphonenumber's metadata; undefined if not valid. */
export function toE164(number: string): string | undefined {
  const trimmed = number.trim().replace(/[\s().-]/g, '');
  if (!/^\+?\d{2,15}$/.test(trimmed)) return undefined;
  const p = parsePhoneNumberFromString(trimmed.startsWith('+') ? trimmed : `+${trimmed}`);
  return p?.isValid() ? p.number : undefined;
}

/** An IANA timezone name that this Node's ICU knows. */
export function isTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function contactRow(line: number, fields: Readonly<Record<string, unknown>>): ContactInput | RowError {
  const { number, timezone, ...rest } = fields;
  if (typeof number !== 'string' || number.trim() === '') return { line, msg: 'number is required' };
  const e164 = toE164(number);
  if (!e164) return { line, msg: `number "${number}" is not a valid E.164 phone number` };
  let tz: string | null = null;
  if (timezone !== undefined && timezone !== null && timezone !== '') {
    if (typeof timezone !== 'string' || !isTimezone(timezone)) return { line, msg: `timezone "${String(timezone)}" is not an IANA timezone` };
    tz = timezone;
  }
  return { number: e164, timezone: tz, tag: Object.keys(rest).length > 0 ? rest : null };
}

/** A row read from the upload: its fields, or why it could not even be read. */
type RawRow = readonly [line: number, row: { readonly fields: Readonly<Record<string, unknown>> } | { readonly error: string }];

function collect(rows: readonly RawRow[]): ParsedContacts {
  const contacts: ContactInput[] = [];
  const errors: RowError[] = [];
  for (const [line, row] of rows) {
    const r = 'error' in row ? { line, msg: row.error } : contactRow(line, row.fields);
    if ('msg' in r) errors.push(r);
    else contacts.push(r);
  }
  return { contacts, errors };
}

/** `[{"number": "+1…", "timezone": "…", …other fields → tag}]`; the "line" of a bad row is its 1-based index. */
export function contactsFromJson(rows: readonly unknown[]): ParsedContacts {
  return collect(rows.map((r, i): RawRow => {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) return [i + 1, { error: 'a contact must be an object with a number' }];
    return [i + 1, { fields: r as Record<string, unknown> }];
  }));
}

/** A CSV whose header names a `number` column (any case), optionally `timezone`; the other columns become the tag. */
export function contactsFromCsv(text: string): ParsedContacts {
  let records;
  try {
    records = parseCsv(text);
  } catch (e) {
    if (e instanceof CsvError) return { contacts: [], errors: [{ line: e.line, msg: e.message }] };
    throw e;
  }
  const [header, ...body] = records;
  const names = header?.fields.map((f) => f.trim()) ?? [];
  const lower = names.map((n) => n.toLowerCase());
  if (!header || !lower.includes('number')) return { contacts: [], errors: [{ line: header?.line ?? 1, msg: 'the header has no "number" column' }] };
  const key = (i: number): string => (lower[i] === 'number' || lower[i] === 'timezone' ? String(lower[i]) : String(names[i]));
  return collect(body.map((rec): RawRow => {
    if (rec.fields.length !== names.length) return [rec.line, { error: `${rec.fields.length} fields where the header has ${names.length}` }];
    return [rec.line, { fields: Object.fromEntries(rec.fields.map((f, i) => [key(i), f])) }];
  }));
}
