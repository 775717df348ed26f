import { Type } from '@sinclair/typebox';
import type { AuthContext } from '../auth.js';
import { ApiError, badField, forbidden } from '../errors.js';
import { Sid } from '../schemas/common.js';

/** Each resource answers at `/X` and at the account-scoped alias `/Accounts/{account_sid}/X` the SDK uses. */
export const PREFIXES: readonly { readonly prefix: string; readonly alias: boolean }[] = [
  { prefix: '', alias: false },
  { prefix: '/Accounts/:account_sid', alias: true },
];

export const ListParams = Type.Object({ account_sid: Type.Optional(Sid) });
export const ItemParams = Type.Object({ account_sid: Type.Optional(Sid), sid: Sid });

export function describe(tag: string, summary: string, alias: boolean): { tags: string[]; summary: string } {
  return { tags: [tag], summary: alias ? `${summary} (account-scoped alias)` : summary };
}

/**
 * The account a new resource goes into. In an account scope (path or account key) that account,
 * and a body naming another is refused; an admin at the top level names it in the body, or
 * leaves it out for a shared resource where `shared` allows one.
 */
export function targetAccount(auth: AuthContext, scope: string | undefined, bodyAccount: string | null | undefined, shared: boolean): string | null {
  if (scope !== undefined) {
    if (bodyAccount === undefined || bodyAccount === scope) return scope;
    if (auth.scope === 'account') throw forbidden();
    throw badField('account_sid', 'does not match the account in the path');
  }
  const target = bodyAccount ?? null;
  if (target === null && !shared) throw badField('account_sid', 'is required');
  return target;
}

/** jambonz treats some fields as fixed after creation; a PUT may repeat them but not change them. */
export function unchanged(field: string, given: unknown, current: unknown): void {
  if (given !== undefined && given !== current) throw new ApiError(400, `${field} cannot be changed`, [{ path: field, message: 'cannot be changed' }]);
}
