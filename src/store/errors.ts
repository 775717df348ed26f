import { GatewayError } from '../kernel/errors.js';

/**
 * Stable codes for everything the store refuses. The API maps them to HTTP statuses:
 * NOT_FOUND → 404, CONFLICT (duplicate) → 422, IN_USE → 422, INVALID → 400.
 */
export type StoreErrorCode = 'STORE_NOT_FOUND' | 'STORE_CONFLICT' | 'STORE_IN_USE' | 'STORE_INVALID' | 'STORE_UNAVAILABLE' | 'STORE_CLOSED';

export class StoreError extends GatewayError {
  declare readonly code: StoreErrorCode;
  /** The input field at fault, when there is one (e.g. `application_sid`). */
  readonly field: string | undefined;
  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown; field?: string }) {
    super(code, message, options);
    this.field = options?.field;
  }
}

export function isStoreError(e: unknown, code?: StoreErrorCode): e is StoreError {
  return e instanceof StoreError && (code === undefined || e.code === code);
}
