import { inDialogMethodProblem, sipHeaderProblem } from '../verbs/schema.js';
import { ApiError, type FieldError } from './errors.js';

/**
 * Request checks the JSON schemas cannot express, shared by the routes. Each returns the
 * `{path, message}` pairs at fault; `refuse` turns any into one 400 that lists them all.
 */

/** Custom SIP headers (`headers`, `to.headers`, `sip_request.headers`) by the verbs' own rule. */
export function headerErrors(headers: Readonly<Record<string, string>> | undefined, path: string): FieldError[] {
  const out: FieldError[] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    const message = sipHeaderProblem(name, value);
    if (message !== undefined) out.push({ path: `${path}.${name}`, message });
  }
  return out;
}

/** A live-control `sip_request.method`: only requests that cannot break the dialog. */
export function methodErrors(method: string, path: string): FieldError[] {
  const message = inDialogMethodProblem(method);
  return message === undefined ? [] : [{ path, message }];
}

/** `[path, value, values still accepted]`: a field the gateway accepts but cannot act on yet. */
export type UnsupportedField = readonly [path: string, value: unknown, accepted: readonly unknown[]];

/** Issue 12 item 17: a non-default value of a field we would silently ignore is refused instead. */
export function unsupportedErrors(fields: readonly UnsupportedField[]): FieldError[] {
  return fields.filter(([, value, accepted]) => value !== undefined && !accepted.includes(value)).map(([path]) => ({ path, message: 'is not supported yet' }));
}

/** Throws one 400 naming every field at fault, if there is any. */
export function refuse(errors: readonly FieldError[]): void {
  if (errors.length === 0) return;
  throw new ApiError(400, errors.map((e) => `${e.path} ${e.message}`).join('; '), errors);
}
