import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contactsFromCsv, contactsFromJson, toE164 } from './contacts.js';

test('numbers are validated as E.164 (libphonenumber-js); with or without "+" they are the same number', () => {
  assert.equal(toE164('+12125550100'), '+12125550100');
  assert.equal(toE164('12125550100'), '+12125550100');
  assert.equal(toE164('+1 (212) 555-0100'), '+12125550100');
  assert.equal(toE164('+1212555'), undefined);
  assert.equal(toE164('hello'), undefined);
  assert.equal(toE164('+15550100'), undefined, 'too short for the North American plan');
});

test('CSV: bad rows are reported by their line; other columns become the tag; timezone checked', () => {
  const csv = 'Number,timezone,name\r\n+12125550100,America/New_York,Ann\r\nnot-a-number,,Bob\r\n12125550101,Mars/Base,Cy\r\n"+4930123456",,"Dee, Jr."\r\n+12125550102,,\r\n';
  const r = contactsFromCsv(csv);
  assert.deepEqual(r.errors, [
    { line: 3, msg: 'number "not-a-number" is not a valid E.164 phone number' },
    { line: 4, msg: 'timezone "Mars/Base" is not an IANA timezone' },
  ]);
  assert.deepEqual(r.contacts, [
    { number: '+12125550100', timezone: 'America/New_York', tag: { name: 'Ann' } },
    { number: '+4930123456', timezone: null, tag: { name: 'Dee, Jr.' } },
    { number: '+12125550102', timezone: null, tag: { name: '' } },
  ]);
});

test('CSV: no number column, a ragged row, and a broken quote are reported with lines', () => {
  assert.deepEqual(contactsFromCsv('phone\n+12125550100\n').errors, [{ line: 1, msg: 'the header has no "number" column' }]);
  assert.deepEqual(contactsFromCsv('number,name\n+12125550100\n').errors, [{ line: 2, msg: '1 fields where the header has 2' }]);
  assert.equal(contactsFromCsv('number\n"+12125550100\n').errors[0]?.line, 2);
});

test('JSON: rows by position; fields other than number and timezone become the tag', () => {
  const r = contactsFromJson([{ number: '+12125550100', first: 'Ann' }, { number: 5 }, 'x', { number: '12125550101', timezone: 'Europe/Berlin' }]);
  assert.deepEqual(r.errors, [{ line: 2, msg: 'number is required' }, { line: 3, msg: 'a contact must be an object with a number' }]);
  assert.deepEqual(r.contacts, [
    { number: '+12125550100', timezone: null, tag: { first: 'Ann' } },
    { number: '+12125550101', timezone: 'Europe/Berlin', tag: null },
  ]);
});
