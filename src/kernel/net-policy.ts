/**
 * The URL policy: which destinations a tenant's URLs (webhooks, `play` downloads, WebSockets) may
 * make the gateway connect to. `open` allows everything (one host running app and gateway);
 * `public` refuses loopback, private, link-local (cloud metadata), CGNAT, unique-local,
 * multicast and reserved addresses, unless an allow-list names them.
 *
 * The check is made on the address actually connected to: a host name is resolved once, every
 * answer is checked, and the connection goes to a checked address, so a DNS answer that changes
 * between a check and a connect (DNS rebinding) cannot get around it.
 */
import { lookup } from 'node:dns/promises';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { GatewayError } from './errors.js';
import { cidrContains, classifyIp, describeClass, parseCidr, parseIp, type AddressClass, type Cidr } from './net-address.js';

export type UrlPolicyMode = 'open' | 'public';

/** Resolves a host name to its IP addresses. */
export type HostResolver = (host: string) => Promise<readonly string[]>;

export interface UrlPolicy {
  readonly mode: UrlPolicyMode;
  /** Under `public`: networks that stay reachable. */
  readonly allowNets: readonly Cidr[];
  /** Under `public`: host names (lower case, no trailing dot) that stay reachable whatever they resolve to. */
  readonly allowHosts: readonly string[];
  /** Resolver for host names; the system's (`dns.lookup`, like a connect) when absent. Tests inject one. */
  readonly resolve?: HostResolver;
}

export const OPEN_URL_POLICY: UrlPolicy = Object.freeze({ mode: 'open', allowNets: [], allowHosts: [] });

export class UrlPolicyError extends GatewayError {
  declare readonly code: 'URL_POLICY_INVALID';
  constructor(message: string) {
    super('URL_POLICY_INVALID', message);
  }
}

/** A destination the policy refuses; `addressClass` says what kind of address it is. */
export class UrlForbiddenError extends GatewayError {
  declare readonly code: 'URL_FORBIDDEN';
  constructor(
    readonly host: string,
    readonly address: string,
    readonly addressClass: AddressClass,
  ) {
    const what = describeClass(addressClass);
    super('URL_FORBIDDEN', host === address ? `${host} is ${what}: refused by the URL policy` : `${host} resolves to ${what} (${address}): refused by the URL policy`);
  }
}

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/**
 * Builds a policy from its settings: `mode` is `open` or `public`; `allow` lists CIDRs, addresses
 * and host names, separated by commas or spaces.
 */
export function parseUrlPolicy(mode: string, allow = ''): UrlPolicy {
  if (mode !== 'open' && mode !== 'public') throw new UrlPolicyError(`the URL policy must be open or public, got "${mode}"`);
  const allowNets: Cidr[] = [];
  const allowHosts: string[] = [];
  for (const entry of allow.split(/[\s,]+/).filter((e) => e !== '')) {
    if (entry.includes(':') || /^[\d./]+$/.test(entry)) {
      const net = parseCidr(entry);
      if (!net) throw new UrlPolicyError(`the URL allow-list entry "${entry}" is not a valid CIDR or IP address`);
      allowNets.push(net);
    } else {
      const host = normalHost(entry);
      if (!HOST_NAME.test(host)) throw new UrlPolicyError(`the URL allow-list entry "${entry}" is not a valid host name`);
      allowHosts.push(host);
    }
  }
  return Object.freeze({ mode, allowNets: Object.freeze(allowNets), allowHosts: Object.freeze(allowHosts) });
}

function normalHost(host: string): string {
  const h = host.toLowerCase();
  const bare = h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
  return bare.endsWith('.') ? bare.slice(0, -1) : bare;
}

const systemResolve: HostResolver = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

/** Undefined when `address` may be connected to under `policy`, else why not. */
function refusal(address: string, policy: UrlPolicy): AddressClass | undefined {
  const ip = parseIp(address);
  if (!ip) return 'reserved';
  if (policy.mode === 'open' || policy.allowNets.some((net) => cidrContains(net, ip))) return undefined;
  const cls = classifyIp(ip);
  return cls === 'public' ? undefined : cls;
}

/**
 * Resolves `host` (a name or an IP literal, as in a URL) and checks every address it resolves to:
 * one refused address refuses the host. Returns the addresses, to connect to one of them.
 * Throws UrlForbiddenError; resolver failures (ENOTFOUND …) pass through.
 */
export async function resolveAllowed(host: string, policy: UrlPolicy): Promise<readonly string[]> {
  const name = normalHost(host);
  if (isIP(name)) {
    const cls = refusal(name, policy);
    if (cls) throw new UrlForbiddenError(name, name, cls);
    return [name];
  }
  const addresses = await (policy.resolve ?? systemResolve)(name);
  if (addresses.length === 0) throw new GatewayError('ENOTFOUND', `${name} has no address`);
  if (policy.allowHosts.includes(name)) return addresses;
  for (const address of addresses) {
    const cls = refusal(address, policy);
    if (cls) throw new UrlForbiddenError(name, address, cls);
  }
  return addresses;
}

/** What `checkUrlAllowed` found: the URL's host and the checked addresses to connect to. */
export interface AllowedTarget {
  readonly host: string;
  readonly addresses: readonly string[];
}

/**
 * Checks a URL's destination under `policy` (http, https, ws, wss). To be immune to DNS rebinding
 * the caller must connect to one of the returned addresses, or connect with `policyLookup`.
 */
export async function checkUrlAllowed(url: string | URL, policy: UrlPolicy): Promise<AllowedTarget> {
  let u: URL;
  try {
    u = typeof url === 'string' ? new URL(url) : url;
  } catch {
    throw new UrlPolicyError(`"${String(url)}" is not an absolute URL`);
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol)) throw new UrlPolicyError(`${u.protocol} URLs are not allowed, only http(s) and ws(s)`);
  const host = normalHost(u.hostname);
  if (policy.mode === 'open') return { host, addresses: [] };
  return { host, addresses: await resolveAllowed(host, policy) };
}

/** The options an HTTP client's connector gets (undici's `buildConnector` shape). */
export interface ConnectParams {
  readonly hostname: string;
}
export type ConnectCallback<S> = (...args: [null, S] | [Error, null]) => void;
export type Connector<O extends ConnectParams, S> = (opts: O, callback: ConnectCallback<S>) => void;

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * Wraps a connector (e.g. undici's `buildConnector(...)`, given as `Agent({connect})`) so that every
 * connection — including those of redirects — goes to an address the policy allows; `hostname`
 * becomes that address, TLS still verifies the name from `host`. `open` returns `base` itself.
 */
export function guardConnector<O extends ConnectParams, S>(policy: UrlPolicy, base: Connector<O, S>): Connector<O, S> {
  if (policy.mode === 'open') return base;
  return (opts, callback) => {
    resolveAllowed(opts.hostname, policy).then(
      (addresses) => {
        try {
          base({ ...opts, hostname: addresses[0] }, callback);
        } catch (e) {
          callback(asError(e), null);
        }
      },
      (e: unknown) => callback(asError(e), null),
    );
  };
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for `net.connect`/`http.request`/`ws` options that resolves through the policy.
 * Node does not call `lookup` for IP literals: check those with `checkUrlAllowed` first.
 */
export function policyLookup(policy: UrlPolicy): (hostname: string, options: LookupOptions, callback: LookupCallback) => void {
  return (hostname, options, callback) => {
    const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
    resolveAllowed(hostname, policy).then(
      (addresses) => {
        const all = addresses.map((address) => ({ address, family: isIP(address) })).filter((a) => family === 0 || a.family === family);
        if (all.length === 0) callback(new GatewayError('ENOTFOUND', `${hostname} has no IPv${family} address`), '');
        else if (options.all) callback(null, all);
        else callback(null, all[0].address, all[0].family);
      },
      (e: unknown) => callback(asError(e), ''),
    );
  };
}
