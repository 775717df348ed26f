import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { describeError, type Api } from '../lib/api.js';
import type { Account } from '../lib/types.js';

/** What every page needs: the API client (with the key) and the account it works on. */
export interface Ctx {
  readonly api: Api;
  readonly admin: boolean;
  readonly account: Account;
  readonly accounts: readonly Account[];
  /** `/v1/Accounts/{sid}` of the chosen account. */
  readonly base: string;
  navigate(path: string): void;
}

export const PortalContext = createContext<Ctx | null>(null);

export function usePortal(): Ctx {
  const c = useContext(PortalContext);
  if (!c) throw new Error('usePortal outside the portal');
  return c;
}

/** A page: its `<h1>` names it and the document title follows it; the heading takes focus on arrival. */
export function Page({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  const h = useRef<HTMLHeadingElement>(null);
  useLayoutEffect(() => {
    document.title = `${title} · Voice Gateway portal`;
    h.current?.focus();
  }, [title]);
  return (
    <section class="page" aria-labelledby="page-title">
      <header class="page-head">
        <h1 id="page-title" tabIndex={-1} ref={h}>{title}</h1>
        {actions}
      </header>
      {children}
    </section>
  );
}

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: string | undefined;
  readonly loading: boolean;
  reload(): void;
}

/** Loads once (and again on `reload()` or when `deps` change). */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (e: unknown) => live && setState((s) => ({ data: s.data, error: describeError(e), loading: false })),
    );
    return () => {
      live = false;
    };
  }, [...deps, n]);
  const reload = useCallback(() => setN((x) => x + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** Runs `tick` now and every `ms` while mounted and `on`; the next tick waits for the last. */
export function usePoll(tick: () => Promise<void>, ms: number, on = true, deps: readonly unknown[] = []): void {
  const fn = useRef(tick);
  fn.current = tick;
  useEffect(() => {
    if (!on) return undefined;
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async (): Promise<void> => {
      try {
        await fn.current();
      } finally {
        if (!stop) timer = setTimeout(() => void run(), ms);
      }
    };
    void run();
    return () => {
      stop = true;
      if (timer) clearTimeout(timer);
    };
  }, [on, ms, ...deps]);
}

export function ErrorNote({ message }: { message: string | undefined }) {
  return message ? <p class="form-error" role="alert">{message}</p> : null;
}

/** A polite live region for status lines (screen readers announce changes). */
export function Status({ children }: { children: ComponentChildren }) {
  return <p class="status" role="status" aria-live="polite">{children}</p>;
}

/** Previous / next page buttons for a paged list. */
export function Pager({ page, pages, onPage }: { page: number; pages: number; onPage: (page: number) => void }) {
  return (
    <nav class="row pager" aria-label="Pages">
      <button type="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>Previous page</button>
      <span>Page {page} of {pages}</span>
      <button type="button" disabled={page >= pages} onClick={() => onPage(page + 1)}>Next page</button>
    </nav>
  );
}
