import { describe, expect, it } from 'vitest';
import { ApiError, createApi, toFormErrors } from './api.js';
import { buildCallBody, curlCommand, shellQuote } from './call-request.js';
import { duration } from './format.js';
import { futureDate, integer, jsonObject, required, requiredIf, validate } from './validate.js';

describe('validate', () => {
  it('reports the first failing rule of each field', () => {
    const errs = validate({ name: ' ', port: '70000', tag: '[1]', user: '', auth: true }, {
      name: [required], port: [integer(1, 65535)], tag: [jsonObject], user: [requiredIf('auth', 'for basic auth')],
    });
    expect(errs).toEqual({ name: 'is required', port: 'must be between 1 and 65535', tag: 'must be a JSON object, e.g. {"key": "value"}', user: 'is required for basic auth' });
  });
  it('accepts empty optional values and good ones', () => {
    expect(validate({ port: '', tag: '', user: '', auth: false }, { port: [integer(1, 9)], tag: [jsonObject], user: [requiredIf('auth', 'x')] })).toEqual({});
    expect(validate({ port: '5060', tag: '{"a":1}' }, { port: [integer(1, 65535)], tag: [jsonObject] })).toEqual({});
  });
  it('rejects non-numbers, broken JSON and past dates', () => {
    expect(integer(1, 9)('1.5', {})).toBe('must be a whole number');
    expect(jsonObject('{', {})).toBe('is not valid JSON');
    const now = () => Date.parse('2030-01-01T00:00:00Z');
    expect(futureDate(now)('2029-12-31T23:00', {})).toBe('must be in the future');
    expect(futureDate(now)('2030-02-01T00:00', {})).toBeUndefined();
    expect(futureDate(now)('soon', {})).toBe('is not a valid date');
  });
});

describe('API errors', () => {
  it('places field errors by path (prefixes too) and keeps the rest at form level', () => {
    const e = new ApiError(400, 'invalid request: call_hook.url must be an absolute URL; env_vars unknown property', [
      { path: 'call_hook.url', message: 'must be an absolute http(s):// or ws(s):// URL' },
      { path: 'env_vars', message: 'unknown property' },
      { path: 'gateway.ipv4.x', message: 'odd' },
    ]);
    const f = toFormErrors(e, ['name', 'call_hook.url', 'gateway.ipv4']);
    expect(f.fields).toEqual({ 'call_hook.url': 'must be an absolute http(s):// or ws(s):// URL', 'gateway.ipv4': 'odd' });
    expect(f.form).toContain('invalid request');
  });
  it('explains a 401 with the API message', () => {
    expect(toFormErrors(new ApiError(401, 'unauthorized'), ['key']).form).toMatch(/not accepted \(unauthorized\)/);
  });
  it('createApi sends the bearer key and turns {msg, errors} into ApiError', async () => {
    let auth = '';
    const api = createApi('vgw_k', async (_u, init) => {
      auth = String((init?.headers as Record<string, string>).authorization);
      return new Response(JSON.stringify({ msg: 'number 1 already exists', errors: [{ path: 'number', message: 'already exists' }] }), { status: 422 });
    });
    const err = await api.post('/v1/PhoneNumbers', { number: '1' }).catch((e: unknown) => e);
    expect(auth).toBe('Bearer vgw_k');
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(422);
    expect((err as ApiError).errors).toEqual([{ path: 'number', message: 'already exists' }]);
  });
  it('a network failure is an ApiError with status 0', async () => {
    const api = createApi('k', async () => {
      throw new TypeError('fetch failed');
    });
    await expect(api.get('/v1/Accounts')).rejects.toMatchObject({ status: 0 });
  });
});

describe('place-a-call request', () => {
  const basic = { application_sid: 'app-1', from: '+15551230000', callerName: '', 'to.type': 'phone', 'to.number': '+15550100', 'to.trunk': 'simulator' };
  it('builds the seed\'s basic request', () => {
    expect(buildCallBody(basic, false)).toEqual({ application_sid: 'app-1', from: '+15551230000', to: { type: 'phone', number: '+15550100', trunk: 'simulator' } });
  });
  it('builds the advanced request only in advanced mode', () => {
    const adv = { ...basic, fromHost: 'cognigy.cloud', timeout: '20', 'amd.actionHook': 'https://h/amd', tag: '{"env":"app"}', headers: '{"User-to-User":"UUID: 1"}', notifyUrl: 'https://h/n' };
    expect(buildCallBody(adv, false)).not.toHaveProperty('amd');
    expect(buildCallBody(adv, true)).toMatchObject({ fromHost: 'cognigy.cloud', timeout: 20, amd: { actionHook: 'https://h/amd' }, tag: { env: 'app' }, headers: { 'User-to-User': 'UUID: 1' }, notifyUrl: 'https://h/n' });
  });
  it('uses sipUri for SIP targets and no trunk', () => {
    expect(buildCallBody({ ...basic, 'to.type': 'sip', 'to.number': 'sip:a@b' }, false).to).toEqual({ type: 'sip', sipUri: 'sip:a@b' });
  });
  it('quotes the curl body for a shell and keeps the key out', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    const c = curlCommand('https://gw.example', 'acc', { callerName: "O'Brien" });
    expect(c).toContain("'https://gw.example/v1/Accounts/acc/Calls'");
    expect(c).toContain('$VGW_API_KEY');
    expect(c).toContain(`O'\\''Brien`);
  });
});

describe('format', () => {
  it('durations', () => {
    expect(duration(5)).toBe('0:05');
    expect(duration(3725)).toBe('1:02:05');
    expect(duration(undefined)).toBe('—');
  });
});
