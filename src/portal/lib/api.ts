/** The REST API client: same origin, `Authorization: Bearer <key>`, errors as `ApiError`. */

export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/** What the API answered when it did not succeed: `{msg, errors?: [{path, message}]}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: readonly FieldError[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface Api {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
  put(path: string, body: unknown): Promise<void>;
  del(path: string): Promise<void>;
  /** POSTs a text body (e.g. `text/csv`); resolves to the JSON answer. */
  postText<T>(path: string, text: string, contentType: string): Promise<T>;
  /** GETs a text answer (e.g. a CSV export). */
  getText(path: string): Promise<string>;
}

async function parseError(res: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const b = (body ?? {}) as { msg?: unknown; errors?: unknown };
  const msg = typeof b.msg === 'string' ? b.msg : `${res.status} ${res.statusText || 'error'}`;
  const errors = Array.isArray(b.errors)
    ? b.errors.filter((e): e is FieldError => typeof e === 'object' && e !== null && typeof (e as FieldError).path === 'string' && typeof (e as FieldError).message === 'string')
    : [];
  return new ApiError(res.status, msg, errors);
}

export function createApi(key: string, fetchImpl: Fetch = (i, init) => fetch(i, init)): Api {
  async function call(method: string, path: string, body?: unknown, raw?: { text: string; type: string }): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${key}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (raw) headers['content-type'] = raw.type;
    let res: Response;
    try {
      res = await fetchImpl(path, { method, headers, body: raw ? raw.text : body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
    } catch (e) {
      throw new ApiError(0, `the gateway could not be reached (${e instanceof Error ? e.message : String(e)})`);
    }
    if (!res.ok) throw await parseError(res);
    return res;
  }
  return {
    async get<T>(path: string) {
      return (await (await call('GET', path)).json()) as T;
    },
    async post<T>(path: string, body: unknown) {
      const res = await call('POST', path, body);
      const text = await res.text();
      return (text ? JSON.parse(text) : undefined) as T;
    },
    async put(path, body) {
      await call('PUT', path, body);
    },
    async del(path) {
      await call('DELETE', path);
    },
    async postText<T>(path: string, text: string, type: string) {
      const res = await call('POST', path, undefined, { text, type });
      const body = await res.text();
      return (body ? JSON.parse(body) : undefined) as T;
    },
    async getText(path) {
      return (await call('GET', path)).text();
    },
  };
}

/** A message for a person: the API's own `msg`, with what the status means where that helps. */
export function describeError(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 401) return `The API key was not accepted (${e.message}): it is unknown, expired or revoked.`;
    if (e.status === 403) return `Not allowed with this key (${e.message}).`;
    return e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

/** Field errors keyed by path (`call_hook.url`), plus what belongs to no field of the form. */
export interface FormErrors {
  readonly fields: Readonly<Record<string, string>>;
  readonly form?: string;
}

/**
 * Places an API error next to the fields it names. Paths the form does not show (or errors
 * without paths) go to the form-level message, which always carries the API's `msg`.
 */
export function toFormErrors(e: unknown, known: readonly string[]): FormErrors {
  if (!(e instanceof ApiError)) return { fields: {}, form: describeError(e) };
  const fields: Record<string, string> = {};
  const stray: string[] = [];
  for (const fe of e.errors) {
    const target = known.includes(fe.path) ? fe.path : known.find((k) => fe.path.startsWith(`${k}.`) || fe.path.startsWith(`${k}[`));
    if (target) fields[target] = fields[target] ? `${fields[target]}; ${fe.message}` : fe.message;
    else stray.push(`${fe.path} ${fe.message}`);
  }
  const msg = describeError(e);
  const extra = stray.filter((s) => !msg.includes(s));
  return { fields, form: extra.length > 0 ? `${msg} — ${extra.join('; ')}` : msg };
}
