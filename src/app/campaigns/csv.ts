/**
 * A small RFC 4180 reader and writer for contact lists and exports: records separated by CRLF
 * (a lone LF is accepted too, §2.1), fields separated by commas, a field in double quotes may
 * hold commas, line breaks and `""` for a quote (§2.5–2.7). Each record keeps the line it starts on.
 */

export interface CsvRecord {
  /** 1-based line number of the record's first character. */
  readonly line: number;
  readonly fields: readonly string[];
}

export class CsvError extends Error {
  constructor(readonly line: number, message: string) {
    super(message);
    this.name = 'CsvError';
  }
}

interface Cursor {
  i: number;
  line: number;
}

/** One field at `c.i`; leaves `c.i` on the separator (or the end). RFC 4180 §2.5–2.7. */
function readField(text: string, c: Cursor): string {
  if (text[c.i] !== '"') {
    const start = c.i;
    while (c.i < text.length && text[c.i] !== ',' && text[c.i] !== '\n' && text[c.i] !== '\r') {
      if (text[c.i] === '"') throw new CsvError(c.line, 'a double quote inside an unquoted field');
      c.i += 1;
    }
    return text.slice(start, c.i);
  }
  const openLine = c.line;
  let out = '';
  c.i += 1;
  for (;;) {
    if (c.i >= text.length) throw new CsvError(openLine, 'a quoted field is not closed');
    const ch = text[c.i];
    if (ch === '"') {
      if (text[c.i + 1] === '"') {
        out += '"';
        c.i += 2;
        continue;
      }
      c.i += 1;
      if (c.i < text.length && text[c.i] !== ',' && text[c.i] !== '\n' && text[c.i] !== '\r') throw new CsvError(c.line, 'text after a closing double quote');
      return out;
    }
    if (ch === '\n') c.line += 1;
    out += ch;
    c.i += 1;
  }
}

/** Parses the whole text; empty lines are skipped; a leading UTF-8 BOM is ignored. */
export function parseCsv(input: string): CsvRecord[] {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  const c: Cursor = { i: 0, line: 1 };
  while (c.i < text.length) {
    const line = c.line;
    const fields: string[] = [];
    for (;;) {
      fields.push(readField(text, c));
      if (text[c.i] === ',') {
        c.i += 1;
        continue;
      }
      break;
    }
    if (text[c.i] === '\r') c.i += 1;
    if (text[c.i] === '\n') {
      c.i += 1;
      c.line += 1;
    }
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line, fields });
  }
  return records;
}

/** One field as RFC 4180 §2.6–2.7 wants it: quoted when it holds a comma, quote or line break. */
export function csvField(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Rows as CSV text, CRLF line ends (RFC 4180 §2.1). */
export function toCsv(rows: readonly (readonly unknown[])[]): string {
  return rows.map((r) => `${r.map(csvField).join(',')}\r\n`).join('');
}
