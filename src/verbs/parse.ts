import { VerbValidationError } from './errors.js';
import type { VerbRegistry } from './registry.js';
import { childPath, isPlainObject, validate } from './schema.js';
import type { ParsedVerb, VerbList } from './types.js';
import { unsupportedUses, withUnsupportedAlert } from './unsupported.js';

/**
 * Validates a whole verb list before any of it runs (contract §4.1): both forms
 * `{verb:'say', text}` and `{say:{text}}`, unknown verbs, unknown properties (except `_`) and
 * wrong types are VerbValidationError naming the path, e.g. `[1].gather.numDigits`. A verb that
 * uses a property listed in unsupported.ts writes an `unsupported-feature` alert when it runs
 * (the first time per application).
 */
export function parseVerbList(input: unknown, registry: VerbRegistry, path = ''): VerbList {
  if (!Array.isArray(input)) throw new VerbValidationError(path, 'must be an array of verbs');
  return input.map((item: unknown, i) => parseVerb(item, registry, childPath(path, i)));
}

/** `app_json`: a JSON string or an already parsed array of verbs. */
export function parseAppJson(input: unknown, registry: VerbRegistry): VerbList {
  if (typeof input !== 'string') return parseVerbList(input, registry);
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch (e) {
    throw new VerbValidationError('app_json', `is not valid JSON (${(e as Error).message})`);
  }
  return parseVerbList(parsed, registry);
}

function parseVerb(item: unknown, registry: VerbRegistry, path: string): ParsedVerb {
  if (!isPlainObject(item)) throw new VerbValidationError(path, 'must be a verb object');
  const { name, props } = splitForm(item, path);
  const entry = registry.get(name);
  if (!entry) throw new VerbValidationError(path, `unknown verb "${name}"`);
  const verbPath = childPath(path, name);
  // A mapped value (a header value 1800 → "1800", a loop "2" → 2) reaches the verb normalised.
  const { id, ...rest } = validate(entry.schema, props, verbPath) as Readonly<Record<string, unknown>>;
  // A property the gateway accepts but does not act on: its first use per application is an alert.
  const definition = withUnsupportedAlert(entry.definition, unsupportedUses(name, rest));
  return { name, id: typeof id === 'string' ? id : undefined, props: rest, definition };
}

function splitForm(item: Readonly<Record<string, unknown>>, path: string): { name: string; props: Readonly<Record<string, unknown>> } {
  if ('verb' in item) {
    const { verb, ...props } = item;
    if (typeof verb !== 'string' || verb.length === 0) throw new VerbValidationError(childPath(path, 'verb'), 'must be a verb name');
    return { name: verb, props };
  }
  const keys = Object.keys(item).filter((k) => k !== '_');
  if (keys.length !== 1) throw new VerbValidationError(path, 'must have a "verb" property or exactly one verb key');
  const name = keys[0];
  const props = item[name];
  if (!isPlainObject(props)) throw new VerbValidationError(childPath(path, name), 'must be an object');
  return { name, props };
}
