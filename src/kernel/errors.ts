/** Base of every error the gateway raises on purpose: a stable `code` callers can switch on. */
export class GatewayError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Narrowing helper for `catch (e: unknown)`. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
