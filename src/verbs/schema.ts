import { VerbValidationError } from './errors.js';

/**
 * A small structural schema language for verb properties. It exists so that every validation
 * error can name its path in the verb list (`[1].gather.numDigits: must be a number`), which is
 * what application authors need to see in an alert.
 */
export type Schema =
  | { readonly kind: 'string'; readonly enum?: readonly string[]; readonly nonEmpty?: boolean; readonly httpUrl?: boolean }
  | { readonly kind: 'number'; readonly min?: number; readonly max?: number; readonly integer?: boolean }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'any' }
  | { readonly kind: 'array'; readonly items: Schema }
  | { readonly kind: 'record'; readonly values: Schema }
  | ObjectSchema
  | { readonly kind: 'union'; readonly of: readonly Schema[]; readonly expected: string }
  | { readonly kind: 'refine'; readonly base: Schema; readonly check: (value: unknown) => Refinement | undefined }
  | { readonly kind: 'map'; readonly base: Schema; readonly to: (value: unknown) => unknown };

/** What a `refine` check found wrong with a value its base schema accepted; `key` names a part of it. */
export interface Refinement {
  readonly key?: string;
  readonly message: string;
}

export interface Property {
  readonly schema: Schema;
  readonly required?: boolean;
}

export interface ObjectSchema {
  readonly kind: 'object';
  readonly props: Readonly<Record<string, Property>>;
  /** Extra keys matching this pattern are allowed and checked against `schema`. */
  readonly pattern?: { readonly test: RegExp; readonly schema: Schema };
}

export const str = (opts: { enum?: readonly string[]; nonEmpty?: boolean; httpUrl?: boolean } = {}): Schema => ({ kind: 'string', ...opts });
export const num = (opts: { min?: number; max?: number; integer?: boolean } = {}): Schema => ({ kind: 'number', ...opts });
export const bool = (): Schema => ({ kind: 'boolean' });
export const anyValue = (): Schema => ({ kind: 'any' });
export const arr = (items: Schema): Schema => ({ kind: 'array', items });
export const record = (values: Schema): Schema => ({ kind: 'record', values });
export const oneOf = (expected: string, ...of: Schema[]): Schema => ({ kind: 'union', of, expected });
export const opt = (schema: Schema): Property => ({ schema });
export const req = (schema: Schema): Property => ({ schema, required: true });
/** `base`, then `check` on a value that passed it. */
export const refine = (base: Schema, check: (value: unknown) => Refinement | undefined): Schema => ({ kind: 'refine', base, check });
/** `base`; a value that passed it reaches the verb as `to(value)` (e.g. a header value 1800 → "1800"). */
export const mapped = (base: Schema, to: (value: unknown) => unknown): Schema => ({ kind: 'map', base, to });
export const obj = (props: Readonly<Record<string, Property>>, pattern?: ObjectSchema['pattern']): ObjectSchema => ({ kind: 'object', props, pattern });

/** A string or an array of strings (say.text, play.url). */
export const strOrList = (): Schema => oneOf('a string or an array of strings', str(), arr(str()));
/** An absolute http(s) URL, or a list of them (play.url: never a path on the gateway's disk). */
export const httpUrlOrList = (): Schema => oneOf('an http(s) URL or an array of http(s) URLs', str({ httpUrl: true }), arr(str({ httpUrl: true })));
/**
 * Upper bounds of the verbs' durations and counts (issue 12 item 14), so that no timer a verb
 * arms comes near the 2^31-1 ms a timer can hold. docs/verbs.md lists them.
 */
export const LIMITS = {
  /** dial.timeLimit, seconds (as POST /Calls timeLimit). */
  callSeconds: 86_400,
  /** dial.timeout (ring time), seconds (as POST /Calls timeout). */
  ringSeconds: 600,
  /** pause.length, gather timeouts, recognizer asrTimeout: seconds. */
  waitSeconds: 3600,
  /** AMD timers and tuning durations, recognizer fastRecognitionTimeout: milliseconds. */
  detectorMs: 600_000,
  /** dtmf.duration, milliseconds (as PUT /Calls dtmf.duration). */
  dtmfMs: 5000,
  /** say/play loop. */
  loop: 1000,
} as const;

/** A number written as a string ("3", as the specification's `number|string` allows), as that number. */
export const numericString = (opts: { min: number; max: number }): Schema =>
  mapped(
    refine(str(), (v) => {
      const n = Number(v);
      return (v as string).trim() !== '' && Number.isFinite(n) && n >= opts.min && n <= opts.max ? undefined : { message: `must be a number from ${opts.min} to ${opts.max}` };
    }),
    Number,
  );
/** `loop`: a count (a number, or a number as a string), or "forever". */
export const loopSchema = (): Schema =>
  oneOf('a number or "forever"', num({ min: 0, max: LIMITS.loop }), str({ enum: ['forever'] }), numericString({ min: 0, max: LIMITS.loop }));
/** A webhook: a URL string or `{url, method, username, password}` (contract §4.1). */
export const hookSchema = (): Schema =>
  oneOf(
    'a URL string or a hook object',
    str({ nonEmpty: true }),
    obj({ url: req(str({ nonEmpty: true })), method: opt(str()), username: opt(str()), password: opt(str()) }),
  );

/** RFC 3261 §25.1: a header name is a `token`. */
const SIP_TOKEN = /^[A-Za-z0-9.!%*_+`'~-]+$/;
/** RFC 3261 §25.1: a header value is TEXT-UTF8 and LWS; no control character but HTAB (so no CR or LF). */
function hasControl(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}
/**
 * Headers the SIP stack writes itself (RFC 3261 §8.1.1, §12.2.1.1, §16.6, §20), by lower-case
 * name, with the compact forms of §7.3.3 mapped to their full names.
 */
const STACK_HEADERS: ReadonlyMap<string, string> = new Map([
  ...['Call-ID', 'CSeq', 'From', 'To', 'Via', 'Max-Forwards', 'Content-Length', 'Content-Type', 'Contact', 'Route', 'Record-Route', 'Authorization', 'Proxy-Authorization'].map((h) => [h.toLowerCase(), h] as const),
  ...([['i', 'Call-ID'], ['f', 'From'], ['t', 'To'], ['v', 'Via'], ['l', 'Content-Length'], ['c', 'Content-Type'], ['m', 'Contact']] as const),
]);

/**
 * Why an application may not send the header `name: value`, or undefined when it may: a name that
 * is not a token, a header the SIP stack owns (any case, compact form too) unless `allow` (lower
 * case) has that very name, or a value with a control character (CR/LF would inject headers).
 */
export function sipHeaderProblem(name: string, value: string, allow: ReadonlySet<string> = new Set()): string | undefined {
  if (!SIP_TOKEN.test(name)) return 'is not a valid SIP header name';
  const owned = STACK_HEADERS.get(name.toLowerCase());
  if (owned !== undefined && !allow.has(name.toLowerCase())) {
    return owned.toLowerCase() === name.toLowerCase() ? 'is set by the SIP stack and cannot be given' : `is the compact form of ${owned}, which the SIP stack sets`;
  }
  if (hasControl(value)) return 'must not contain control characters (CR, LF …)';
  return undefined;
}

/** A header value: a string, or a number or boolean (`"Retry-After": 1800`), sent as its text. */
const headerValue = (): Schema => mapped(oneOf('a string', str(), num(), bool()), String);

/**
 * Custom SIP headers: header name → value (a string; a number or boolean becomes its text), each
 * allowed by `sipHeaderProblem`. `allow` lists stack headers this verb takes over itself
 * (sip:request reads Content-Type).
 */
export const headersSchema = (allow: readonly string[] = []): Schema => {
  const allowed = new Set(allow.map((h) => h.toLowerCase()));
  return refine(record(headerValue()), (v) => {
    for (const [name, value] of Object.entries(v as Record<string, unknown>)) {
      const message = sipHeaderProblem(name, String(value), allowed);
      if (message !== undefined) return { key: name, message };
    }
    return undefined;
  });
};

/**
 * RFC 6086 INFO, RFC 3428 MESSAGE, RFC 6665 NOTIFY and RFC 3261 §11 OPTIONS: the requests an
 * application may send inside an established dialog. INVITE, ACK, BYE, CANCEL, PRACK, UPDATE,
 * REFER … change the dialog or its session and belong to the call layer.
 */
export const IN_DIALOG_METHODS: readonly string[] = ['INFO', 'MESSAGE', 'NOTIFY', 'OPTIONS'];

/** Why `method` (any case) may not be sent by an application in a dialog, or undefined. */
export function inDialogMethodProblem(method: string): string | undefined {
  if (IN_DIALOG_METHODS.includes(method.toUpperCase())) return undefined;
  return `"${method}" is not allowed: use one of ${IN_DIALOG_METHODS.join(', ')}`;
}

/** A method for sip:request and live-control sip_request. */
export const inDialogMethodSchema = (): Schema =>
  refine(str({ nonEmpty: true }), (v) => {
    const message = inDialogMethodProblem(v as string);
    return message === undefined ? undefined : { message };
  });

export function isPlainObject(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Joins a path and a key the way the error messages print it. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/**
 * Checks `value` against `schema`; throws VerbValidationError naming the first bad path. Returns
 * the value as verbs see it: `value` itself, unless a `mapped` schema inside rewrote a part of it
 * (then a copy; `value` is never changed).
 */
export function validate(schema: Schema, value: unknown, path: string): unknown {
  const problem = check(schema, value, path);
  if (problem) throw new VerbValidationError(problem.path, problem.message);
  return normalize(schema, value);
}

interface Problem {
  readonly path: string;
  readonly message: string;
}

function check(schema: Schema, value: unknown, path: string): Problem | undefined {
  switch (schema.kind) {
    case 'any':
      return undefined;
    case 'string':
      return checkString(schema, value, path);
    case 'number':
      return checkNumber(schema, value, path);
    case 'boolean':
      return typeof value === 'boolean' ? undefined : { path, message: 'must be a boolean' };
    case 'array':
      return checkArray(schema.items, value, path);
    case 'record':
      return checkRecord(schema.values, value, path);
    case 'object':
      return checkObject(schema, value, path);
    case 'union':
      return checkUnion(schema, value, path);
    case 'map':
      return check(schema.base, value, path);
    case 'refine': {
      const p = check(schema.base, value, path);
      if (p) return p;
      const r = schema.check(value);
      return r && { path: r.key === undefined ? path : childPath(path, r.key), message: r.message };
    }
  }
}

function checkArray(items: Schema, value: unknown, path: string): Problem | undefined {
  if (!Array.isArray(value)) return { path, message: 'must be an array' };
  for (let i = 0; i < value.length; i++) {
    const p = check(items, value[i], childPath(path, i));
    if (p) return p;
  }
  return undefined;
}

function checkRecord(values: Schema, value: unknown, path: string): Problem | undefined {
  if (!isPlainObject(value)) return { path, message: 'must be an object' };
  for (const [k, v] of Object.entries(value)) {
    const p = check(values, v, childPath(path, k));
    if (p) return p;
  }
  return undefined;
}

function checkString(schema: Extract<Schema, { kind: 'string' }>, value: unknown, path: string): Problem | undefined {
  if (typeof value !== 'string') return { path, message: schema.enum ? `must be one of ${schema.enum.map((e) => `"${e}"`).join(', ')}` : 'must be a string' };
  if (schema.nonEmpty && value.length === 0) return { path, message: 'must not be empty' };
  if (schema.enum && !schema.enum.includes(value)) return { path, message: `must be one of ${schema.enum.map((e) => `"${e}"`).join(', ')}` };
  if (schema.httpUrl && !isHttpUrl(value)) return { path, message: 'must be an http(s) URL' };
  return undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

function checkNumber(schema: Extract<Schema, { kind: 'number' }>, value: unknown, path: string): Problem | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return { path, message: 'must be a number' };
  if (schema.integer && !Number.isInteger(value)) return { path, message: 'must be an integer' };
  if (schema.min !== undefined && value < schema.min) return { path, message: `must be at least ${schema.min}` };
  if (schema.max !== undefined && value > schema.max) return { path, message: `must be at most ${schema.max}` };
  return undefined;
}

function checkObject(schema: ObjectSchema, value: unknown, path: string): Problem | undefined {
  if (!isPlainObject(value)) return { path, message: 'must be an object' };
  for (const [k, v] of Object.entries(value)) {
    if (k === '_') continue;
    const prop = Object.hasOwn(schema.props, k) ? schema.props[k] : undefined;
    const sub = prop?.schema ?? (schema.pattern?.test.test(k) ? schema.pattern.schema : undefined);
    if (!sub) return { path: childPath(path, k), message: 'unknown property' };
    if (v === undefined) continue;
    const p = check(sub, v, childPath(path, k));
    if (p) return p;
  }
  for (const [k, prop] of Object.entries(schema.props)) {
    if (prop.required && value[k] === undefined) return { path: childPath(path, k), message: 'is required' };
  }
  return undefined;
}

function checkUnion(schema: Extract<Schema, { kind: 'union' }>, value: unknown, path: string): Problem | undefined {
  let deepest: Problem | undefined;
  for (const s of schema.of) {
    const p = check(s, value, path);
    if (!p) return undefined;
    // A branch of the same shape (object vs object) explains the error best: report its problem.
    if (p.path !== path && (deepest === undefined || p.path.length > deepest.path.length)) deepest = p;
    // So does a number branch for a number out of its range ("must be at most 1000").
    if (s.kind === 'number' && typeof value === 'number' && Number.isFinite(value)) deepest ??= p;
  }
  return deepest ?? { path, message: `must be ${schema.expected}` };
}

/** `value` (which passed `schema`) with every `mapped` part rewritten; unchanged parts are shared. */
function normalize(schema: Schema, value: unknown): unknown {
  switch (schema.kind) {
    case 'map':
      return schema.to(normalize(schema.base, value));
    case 'refine':
      return normalize(schema.base, value);
    case 'union': {
      const branch = schema.of.find((s) => check(s, value, '') === undefined);
      return branch ? normalize(branch, value) : value;
    }
    case 'array': {
      const items = value as readonly unknown[];
      const out = items.map((v) => normalize(schema.items, v));
      return out.some((v, i) => v !== items[i]) ? out : value;
    }
    case 'record':
      return normalizeEntries(value, () => schema.values);
    case 'object':
      return normalizeEntries(value, (k) => (Object.hasOwn(schema.props, k) ? schema.props[k].schema : schema.pattern?.test.test(k) ? schema.pattern.schema : undefined));
    default:
      return value;
  }
}

function normalizeEntries(value: unknown, schemaOf: (key: string) => Schema | undefined): unknown {
  const entries = Object.entries(value as Record<string, unknown>);
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    const s = v === undefined ? undefined : schemaOf(k);
    out[k] = s ? normalize(s, v) : v;
    if (out[k] !== v) changed = true;
  }
  return changed ? out : value;
}
