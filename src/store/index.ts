/** The store's public surface: everything outside src/store imports from here. */
export { openStore, storeOver, type StoreOptions } from './store.js';
export { bootstrapAdminKey, hashToken, newApiToken, tokenHint } from './bootstrap.js';
export { StoreError, isStoreError, type StoreErrorCode } from './errors.js';
export { normalizeNumber } from './repos/applications.js';
export { normalizeHook } from './table.js';
export { MAX_PAGE_SIZE } from './repos/cdrs.js';
export type * from './repositories.js';
export type * from './types.js';
export type * from './campaign-types.js';
export { CONTACT_OUTCOMES, CONTACT_STATES } from './campaign-types.js';
