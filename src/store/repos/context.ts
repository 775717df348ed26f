import type { Clock } from '../../kernel/clock.js';
import type { Db } from '../db.js';
import { StoreError } from '../errors.js';

export interface RepoContext {
  readonly db: Db;
  readonly clock: Clock;
}

export function nowIso(ctx: RepoContext): string {
  return new Date(ctx.clock.wallNow()).toISOString();
}

/** Throws the INVALID error for a reference the caller may not make. */
export function invalidRef(field: string, message: string): never {
  throw new StoreError('STORE_INVALID', message, { field });
}

/** The record just written, or a loud failure if it vanished (it cannot, short of a concurrent delete). */
export function written<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new StoreError('STORE_NOT_FOUND', `${what} disappeared while being written`);
  return v;
}
