import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CsvError, parseCsv, toCsv } from './csv.js';

test('RFC 4180 §2.1–2.4: CRLF or LF records, comma separated; empty lines skipped; each record keeps its line', () => {
  assert.deepEqual(parseCsv('number,name\r\n+1212,Ann\r\n\r\n+1213,Bob\n'), [
    { line: 1, fields: ['number', 'name'] },
    { line: 2, fields: ['+1212', 'Ann'] },
    { line: 4, fields: ['+1213', 'Bob'] },
  ]);
  assert.deepEqual(parseCsv('a,,c'), [{ line: 1, fields: ['a', '', 'c'] }], 'no final line break, empty field kept');
});

test('RFC 4180 §2.5–2.7: quoted fields hold commas, line breaks and doubled quotes; the next record\'s line counts the break', () => {
  const r = parseCsv('number,note\n+1,"one, ""two""\nthree"\n+2,x\n');
  assert.deepEqual(r, [
    { line: 1, fields: ['number', 'note'] },
    { line: 2, fields: ['+1', 'one, "two"\nthree'] },
    { line: 4, fields: ['+2', 'x'] },
  ]);
});

test('RFC 4180: an unclosed quote and a quote inside an unquoted field are errors with their line', () => {
  assert.throws(() => parseCsv('number\n"+1212\n'), (e: unknown) => e instanceof CsvError && e.line === 2);
  assert.throws(() => parseCsv('number\nab"c\n'), (e: unknown) => e instanceof CsvError && e.line === 2);
  assert.throws(() => parseCsv('"a"b\n'), (e: unknown) => e instanceof CsvError && e.line === 1);
});

test('a UTF-8 BOM is ignored; the writer quotes what needs it and round-trips', () => {
  assert.deepEqual(parseCsv('\uFEFFnumber\n+1\n')[0]?.fields, ['number']);
  const rows = [['a', 'b,c', 'say "hi"', 'l1\nl2', 3, null]];
  const text = toCsv(rows);
  assert.equal(text, 'a,"b,c","say ""hi""","l1\nl2",3,\r\n');
  assert.deepEqual(parseCsv(text)[0]?.fields, ['a', 'b,c', 'say "hi"', 'l1\nl2', '3', '']);
});
