/** The API key lives in sessionStorage only: it is gone when the tab closes. */
const KEY = 'vgw.portal.key';
const ACCOUNT = 'vgw.portal.account';

export interface SessionStore {
  getItem(k: string): string | null;
  setItem(k: string, v: string): void;
  removeItem(k: string): void;
}

export function loadSession(s: SessionStore = sessionStorage): { key: string | null; account: string | null } {
  return { key: s.getItem(KEY), account: s.getItem(ACCOUNT) };
}

export function saveKey(key: string, s: SessionStore = sessionStorage): void {
  s.setItem(KEY, key);
}

export function saveAccount(sid: string, s: SessionStore = sessionStorage): void {
  s.setItem(ACCOUNT, sid);
}

export function clearSession(s: SessionStore = sessionStorage): void {
  s.removeItem(KEY);
  s.removeItem(ACCOUNT);
}
