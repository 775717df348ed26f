import { VerbValidationError } from './errors.js';

/**
 * A small structural schema language for verb properties. It exists so that every validation
 * error can name its path in the verb list (`[1].gather.numDigits: must be a number`), which is
 * what application authors need to see in an alert.
 */
export type Schema =
  | { readonly kind: 'string'; readonly enum?: readonly string[]; readonly nonEmpty?: boolean; readonly httpUrl?: boolean }
  | { readonly kind: 'number'; readonly min?: number; readonly integer?: boolean }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'any' }
  | { readonly kind: 'array'; readonly items: Schema }
  | { readonly kind: 'record'; readonly values: Schema }
  | ObjectSchema
  | { readonly kind: 'union'; readonly of: readonly Schema[]; readonly expected: string };

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
export const num = (opts: { min?: number; integer?: boolean } = {}): Schema => ({ kind: 'number', ...opts });
export const bool = (): Schema => ({ kind: 'boolean' });
export const anyValue = (): Schema => ({ kind: 'any' });
export const arr = (items: Schema): Schema => ({ kind: 'array', items });
export const record = (values: Schema): Schema => ({ kind: 'record', values });
export const oneOf = (expected: string, ...of: Schema[]): Schema => ({ kind: 'union', of, expected });
export const opt = (schema: Schema): Property => ({ schema });
export const req = (schema: Schema): Property => ({ schema, required: true });
export const obj = (props: Readonly<Record<string, Property>>, pattern?: ObjectSchema['pattern']): ObjectSchema => ({ kind: 'object', props, pattern });

/** A string or an array of strings (say.text, play.url). */
export const strOrList = (): Schema => oneOf('a string or an array of strings', str(), arr(str()));
/** An absolute http(s) URL, or a list of them (play.url: never a path on the gateway's disk). */
export const httpUrlOrList = (): Schema => oneOf('an http(s) URL or an array of http(s) URLs', str({ httpUrl: true }), arr(str({ httpUrl: true })));
/** `loop`: a count or "forever". */
export const loopSchema = (): Schema => oneOf('a number or "forever"', num({ min: 0 }), str({ enum: ['forever'] }));
/** A webhook: a URL string or `{url, method, username, password}` (contract §4.1). */
export const hookSchema = (): Schema =>
  oneOf(
    'a URL string or a hook object',
    str({ nonEmpty: true }),
    obj({ url: req(str({ nonEmpty: true })), method: opt(str()), username: opt(str()), password: opt(str()) }),
  );
/** Custom SIP headers: header name → string value. */
export const headersSchema = (): Schema => record(str());

export function isPlainObject(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Joins a path and a key the way the error messages print it. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/** Checks `value` against `schema`; throws VerbValidationError naming the first bad path. */
export function validate(schema: Schema, value: unknown, path: string): void {
  const problem = check(schema, value, path);
  if (problem) throw new VerbValidationError(problem.path, problem.message);
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
      if (!Array.isArray(value)) return { path, message: 'must be an array' };
      for (let i = 0; i < value.length; i++) {
        const p = check(schema.items, value[i], childPath(path, i));
        if (p) return p;
      }
      return undefined;
    case 'record':
      if (!isPlainObject(value)) return { path, message: 'must be an object' };
      for (const [k, v] of Object.entries(value)) {
        const p = check(schema.values, v, childPath(path, k));
        if (p) return p;
      }
      return undefined;
    case 'object':
      return checkObject(schema, value, path);
    case 'union':
      return checkUnion(schema, value, path);
  }
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
  }
  return deepest ?? { path, message: `must be ${schema.expected}` };
}
