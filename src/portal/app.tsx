import type { FunctionComponent } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, describeError, type Fetch } from './lib/api.js';
import { clearSession, loadSession, saveAccount, saveKey } from './lib/session.js';
import { AccountsPage } from './pages/accounts.js';
import { AlertsPage } from './pages/alerts.js';
import { CampaignsPage } from './pages/campaigns.js';
import { ApiKeysPage } from './pages/api-keys.js';
import { ApplicationsPage } from './pages/applications.js';
import { CarriersPage } from './pages/carriers.js';
import { LiveCallsPage } from './pages/live-calls.js';
import { login, LoginPage, type LoginResult } from './pages/login.js';
import { PhoneNumbersPage } from './pages/phone-numbers.js';
import { PlaceCallPage } from './pages/place-call.js';
import { RecentCallsPage } from './pages/recent-calls.js';
import { SpeechPage } from './pages/speech.js';
import { PortalContext, type Ctx } from './ui/common.js';

/** Client-side routes; the gateway answers each with index.html (none clashes with /v1, /docs, /health, /demo). */
export const ROUTES: readonly { path: string; label: string; page: FunctionComponent; admin?: boolean }[] = [
  { path: '/keys', label: 'API keys', page: ApiKeysPage },
  { path: '/applications', label: 'Applications', page: ApplicationsPage },
  { path: '/numbers', label: 'Phone numbers', page: PhoneNumbersPage },
  { path: '/carriers', label: 'Carriers', page: CarriersPage },
  { path: '/speech', label: 'Speech', page: SpeechPage },
  { path: '/live-calls', label: 'Live calls', page: LiveCallsPage },
  { path: '/recent-calls', label: 'Recent calls', page: RecentCallsPage },
  { path: '/alerts', label: 'Alerts', page: AlertsPage },
  { path: '/place-call', label: 'Place a call', page: PlaceCallPage },
  { path: '/campaigns', label: 'Campaigns', page: CampaignsPage },
];

function usePath(): [string, (p: string) => void] {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const on = (): void => setPath(location.pathname);
    addEventListener('popstate', on);
    return () => removeEventListener('popstate', on);
  }, []);
  return [path, (p) => {
    if (p !== location.pathname) history.pushState(null, '', p);
    setPath(p);
  }];
}

export function App({ fetchImpl }: { fetchImpl?: Fetch }) {
  const [session, setSession] = useState<LoginResult>();
  const [accountSid, setAccountSid] = useState<string | null>(loadSession().account);
  const [booting, setBooting] = useState(loadSession().key !== null);
  const [notice, setNotice] = useState<string>();
  const [path, navigate] = usePath();

  useEffect(() => {
    const key = loadSession().key;
    if (key === null) return;
    login(key, fetchImpl).then(
      (r) => {
        setSession(r);
        setBooting(false);
      },
      (e: unknown) => {
        if (e instanceof ApiError && e.status === 401) clearSession();
        setNotice(`You were logged out: ${describeError(e)}`);
        setBooting(false);
      },
    );
  }, [fetchImpl]);

  const onLogin = (r: LoginResult): void => {
    saveKey(r.key);
    setNotice(undefined);
    setSession(r);
    if (path === '/' || path === '/login') navigate('/keys');
  };
  const logout = (): void => {
    clearSession();
    setSession(undefined);
    setAccountSid(null);
    setNotice('Logged out.');
    navigate('/');
  };
  const chooseAccount = (sid: string): void => {
    saveAccount(sid);
    setAccountSid(sid);
  };
  const refreshAccounts = async (select?: string): Promise<void> => {
    if (!session) return;
    const accounts = await session.api.get<LoginResult['accounts']>('/v1/Accounts');
    setSession({ ...session, accounts });
    if (select) chooseAccount(select);
  };

  const account = session?.accounts.find((a) => a.account_sid === accountSid) ?? session?.accounts[0];
  const ctx = useMemo<Ctx | null>(() => (session && account ? {
    api: session.api, admin: session.admin, account, accounts: session.accounts, base: `/v1/Accounts/${account.account_sid}`, navigate,
  } : null), [session, account]);

  if (booting) return <main id="main" class="login"><p role="status">Checking your session…</p></main>;
  if (!session) return <LoginPage onLogin={onLogin} notice={notice} fetchImpl={fetchImpl} />;

  const routes = ROUTES;
  const current = path === '/accounts' && session.admin ? undefined : (routes.find((r) => r.path === path) ?? routes[0]);
  const Current = current?.page;
  const link = (p: string, label: string) => (
    <li key={p}>
      <a href={p} aria-current={(current?.path ?? path) === p ? 'page' : undefined} onClick={(e) => { e.preventDefault(); navigate(p); }}>{label}</a>
    </li>
  );
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <span class="brand">Voice Gateway</span>
        {session.admin && session.accounts.length > 0 && account && (
          <span class="picker">
            <label for="account-picker">Account</label>
            <select id="account-picker" value={account.account_sid} onChange={(e) => chooseAccount((e.currentTarget as HTMLSelectElement).value)}>
              {session.accounts.map((a) => <option key={a.account_sid} value={a.account_sid}>{a.name}</option>)}
            </select>
          </span>
        )}
        {!session.admin && account && <span class="picker">Account: {account.name}</span>}
        <span class="who">{session.admin ? 'admin key' : 'account key'}</span>
        <button type="button" class="secondary" onClick={logout}>Log out</button>
      </header>
      <nav class="side" aria-label="Portal">
        <ul>
          {routes.map((r) => link(r.path, r.label))}
          {session.admin && link('/accounts', 'Accounts')}
        </ul>
      </nav>
      <main id="main">
        {!ctx && session.admin && <p class="notice">There is no account yet: create one.</p>}
        {!ctx && !session.admin && <p class="form-error" role="alert">This key's account could not be read.</p>}
        {ctx && (
          <PortalContext.Provider value={ctx}>
            {Current ? <Current key={account?.account_sid} /> : <AccountsPage onChanged={(sid) => void refreshAccounts(sid)} />}
          </PortalContext.Provider>
        )}
        {!ctx && session.admin && (
          <PortalContext.Provider value={{ api: session.api, admin: true, account: { account_sid: '', name: '', allow_any_caller_id: false }, accounts: [], base: '', navigate }}>
            <AccountsPage onChanged={(sid) => void refreshAccounts(sid)} />
          </PortalContext.Provider>
        )}
      </main>
    </>
  );
}
