/**
 * The published jambonz verb specification (`@jambonz/verb-specifications`, its `specs.json`),
 * turned into our schema language (issue 14: "verb validation follows the published
 * specification"). Each verb schema is `fromSpec(name, own)`: every property the specification
 * lists, typed as the specification types it, with our own stricter property schemas (bounds,
 * URL rules, SIP header rules) and our extras (`amd.preset` …) laid over it. So a property the
 * specification adds in a new version is accepted without a code change, and every error still
 * names its path (`[1].gather.recognizer.foo: unknown property`).
 *
 * The specification's types, as its validator (`jambonz-app-json-validation.js`) reads them:
 * `"string"`, `"number"`, `"boolean"`, `"object"` (JavaScript's typeof: arrays and null pass),
 * `"array"`, unions `"a|b"`, `{type, enum}`, `"#name"` (a nested object described by entry
 * `name`) and `["#name"]` (an array of them).
 */
import { createRequire } from 'node:module';
import { anyValue, arr, bool, num, obj, oneOf, refine, str, type ObjectSchema, type Property, type Schema } from './schema.js';

export type SpecType = string | readonly string[] | { readonly type?: string; readonly enum?: readonly string[] };

export interface SpecEntry {
  readonly properties: Readonly<Record<string, SpecType>>;
  readonly required?: readonly string[];
}

function loadSpecs(): ReadonlyMap<string, SpecEntry> {
  const raw: unknown = createRequire(import.meta.url)('@jambonz/verb-specifications/specs.json');
  if (typeof raw !== 'object' || raw === null) throw new Error('@jambonz/verb-specifications/specs.json is not an object');
  const entries = new Map<string, SpecEntry>();
  for (const [name, entry] of Object.entries(raw as Record<string, unknown>)) {
    const e = entry as Partial<SpecEntry> | null;
    if (typeof e !== 'object' || e === null || typeof e.properties !== 'object' || e.properties === null) {
      throw new Error(`@jambonz/verb-specifications/specs.json: entry ${name} has no properties`);
    }
    entries.set(name, { properties: e.properties, required: Array.isArray(e.required) ? e.required : [] });
  }
  return entries;
}

/** The specification's entries, read once; never changed afterwards. */
const SPECS = loadSpecs();

/** The specification's entry `name` (a verb such as `gather`, or a nested type such as `recognizer`). */
export function specEntry(name: string): SpecEntry | undefined {
  return SPECS.get(name);
}

/** JavaScript's `typeof v === 'object'`, which is what the specification's `"object"` checks. */
const jsObject = (): Schema =>
  refine(anyValue(), (v) => (typeof v === 'object' ? undefined : { message: 'must be an object' }));

/** An object whose keys nobody describes (a reference the specification does not define). */
const openObject = (): ObjectSchema => obj({}, { test: /.*/, schema: anyValue() });

const SIMPLE: Readonly<Record<string, { schema: () => Schema; words: string }>> = {
  string: { schema: () => str(), words: 'a string' },
  number: { schema: () => num(), words: 'a number' },
  boolean: { schema: () => bool(), words: 'a boolean' },
  object: { schema: jsObject, words: 'an object' },
  array: { schema: () => arr(anyValue()), words: 'an array' },
};

/** Converted entries, filled as they are first needed; the specification has no cycles. */
const converted = new Map<string, ObjectSchema>();

function reference(name: string): ObjectSchema {
  const done = converted.get(name);
  if (done) return done;
  const entry = SPECS.get(name);
  const schema = entry ? obj(specProperties(entry)) : openObject();
  converted.set(name, schema);
  return schema;
}

/** One property type of the specification as our schema. */
export function specTypeSchema(t: SpecType): Schema {
  if (Array.isArray(t)) {
    const item = t[0];
    return arr(typeof item === 'string' && item.startsWith('#') ? reference(item.slice(1)) : anyValue());
  }
  if (typeof t === 'object') {
    const { type, enum: values } = t as { readonly type?: string; readonly enum?: readonly string[] };
    if (type === 'array') return arr(values ? str({ enum: values }) : anyValue());
    if (values) return str({ enum: values });
    return SIMPLE[type ?? '']?.schema() ?? anyValue();
  }
  const s = t as string;
  if (s.includes('|')) {
    const parts = s.split('|').map((p) => p.trim());
    const words = parts.map((p) => (p.startsWith('#') ? `a ${p.slice(1)} object` : SIMPLE[p]?.words ?? p));
    return oneOf(words.join(' or '), ...parts.map((p) => specTypeSchema(p)));
  }
  if (s.startsWith('#')) return reference(s.slice(1));
  return SIMPLE[s]?.schema() ?? anyValue();
}

function specProperties(entry: SpecEntry): Record<string, Property> {
  const props: Record<string, Property> = {};
  for (const [key, t] of Object.entries(entry.properties)) {
    props[key] = { schema: specTypeSchema(t), required: entry.required?.includes(key) ?? false };
  }
  return props;
}

/** The specification's type of `name.property`, as our schema (for a property we type as it does). */
export function specProperty(name: string, property: string): Schema {
  const t = SPECS.get(name)?.properties[property];
  if (t === undefined) throw new Error(`the verb specification has no ${name}.${property}`);
  return specTypeSchema(t);
}

/**
 * The schema of entry `name`: every property of the specification, with `own` laid over it. An
 * `own` property replaces the specification's (with its own `required`), or adds one of ours.
 */
export function fromSpec(name: string, own: Readonly<Record<string, Property>> = {}, pattern?: ObjectSchema['pattern']): ObjectSchema {
  const entry = SPECS.get(name);
  if (!entry) throw new Error(`the verb specification has no entry ${name}`);
  return obj({ ...specProperties(entry), ...own }, pattern);
}
