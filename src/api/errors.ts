import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import { StoreError } from '../store/index.js';
import { PATTERN_MESSAGES } from './schemas/common.js';

export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/** An error with an HTTP status; the body is always `{msg, errors?}`. */
export class ApiError extends GatewayError {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: readonly FieldError[],
    /** Sent as Retry-After (429, 503). */
    readonly retryAfterSeconds?: number,
  ) {
    super(`API_${status}`, message);
  }
}

export const notFound = (what = 'resource'): ApiError => new ApiError(404, `${what} not found`);
export const forbidden = (msg = 'insufficient permissions'): ApiError => new ApiError(403, msg);
export const badField = (path: string, message: string): ApiError => new ApiError(400, `${path} ${message}`, [{ path, message }]);

interface AjvError {
  readonly instancePath: string;
  readonly schemaPath: string;
  readonly keyword: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message?: string;
}

/** `/call_hook/url` → `call_hook.url`; query and path parameters are prefixed with their part. */
function fieldPath(context: string | undefined, e: AjvError): string {
  let p = e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (e.keyword === 'additionalProperties') p = [...p, String(e.params.additionalProperty)];
  if (e.keyword === 'required') p = [...p, String(e.params.missingProperty)];
  const prefix = context && context !== 'body' ? [context] : [];
  return [...prefix, ...p].join('.') || context || 'body';
}

function fieldMessage(e: AjvError): string {
  if (e.keyword === 'additionalProperties') return 'unknown property';
  if (e.keyword === 'required') return 'is required';
  if (e.keyword === 'pattern') return PATTERN_MESSAGES[String(e.params.pattern)] ?? e.message ?? 'is invalid';
  return e.message ?? 'is invalid';
}

/**
 * Turns Ajv's errors into `{path, message}` pairs. A value that matches neither form of a
 * union (a hook: URL string or object) yields one error per form; the per-form type mismatches
 * and the summary are dropped when a more specific error remains.
 */
export function formatValidation(context: string | undefined, errs: readonly AjvError[]): FieldError[] {
  const specific = errs.filter((e) => e.keyword !== 'anyOf' && !(e.keyword === 'type' && e.schemaPath.includes('/anyOf/')));
  const chosen = specific.length > 0 ? specific : errs;
  const out = new Map<string, FieldError>();
  for (const e of chosen) {
    const f = { path: fieldPath(context, e), message: fieldMessage(e) };
    out.set(`${f.path}\u0000${f.message}`, f);
  }
  return [...out.values()];
}

function fromStoreError(e: StoreError): ApiError {
  switch (e.code) {
    case 'STORE_NOT_FOUND':
      return new ApiError(404, e.message);
    case 'STORE_CONFLICT':
    case 'STORE_IN_USE':
      return new ApiError(422, e.message, e.field ? [{ path: e.field, message: e.message }] : undefined);
    case 'STORE_INVALID':
      return new ApiError(422, e.message, e.field ? [{ path: e.field, message: e.message }] : undefined);
    default:
      return new ApiError(503, 'store unavailable');
  }
}

const FASTIFY_MESSAGES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed JSON body',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'empty JSON body',
  FST_ERR_CTP_BODY_TOO_LARGE: 'request body too large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported content type (use application/json)',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid content length',
};

/** Maps every thrown error to a status and `{msg, errors?}`; only unexpected ones are logged. */
export function toApiError(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (err instanceof StoreError) return fromStoreError(err);
  const fe = err as Partial<FastifyError> & { validation?: readonly AjvError[]; validationContext?: string };
  if (fe.validation) {
    const errors = formatValidation(fe.validationContext, fe.validation);
    return new ApiError(400, `invalid request: ${errors.map((x) => `${x.path} ${x.message}`).join('; ')}`, errors);
  }
  const status = fe.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new ApiError(status, (fe.code && FASTIFY_MESSAGES[fe.code]) || fe.message || 'bad request');
  }
  return undefined;
}

export function errorHandler(logger: Logger) {
  return (err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const api = toApiError(err);
    if (!api) {
      logger.error('request failed', { method: req.method, route: req.routeOptions.url, err: err instanceof Error ? err : String(err) });
      return reply.code(500).send({ msg: 'internal server error' });
    }
    if (api.status === 401) reply.header('www-authenticate', 'Bearer');
    if (api.retryAfterSeconds !== undefined) reply.header('retry-after', String(api.retryAfterSeconds));
    return reply.code(api.status).send(api.errors ? { msg: api.message, errors: api.errors } : { msg: api.message });
  };
}
