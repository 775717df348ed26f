import { hostname } from 'node:os';
import { GatewayError } from '../kernel/errors.js';
import { isLogLevel, type LogLevel } from '../kernel/logger.js';
import { parseUrlPolicy, UrlPolicyError, type UrlPolicy } from '../kernel/net-policy.js';

/** Everything the gateway is configured with, read once (DESIGN.md §4.3) by the composition root. */
export interface Config {
  readonly httpAddress: string;
  readonly httpPort: number;
  readonly sipAddress: string;
  readonly sipPort: number;
  /** Address written into Via, Contact and SDP; defaults to the SIP bind address or 127.0.0.1. */
  readonly publicAddress: string;
  readonly rtpPorts: { readonly min: number; readonly max: number };
  readonly dataDir: string;
  readonly logLevel: LogLevel;
  readonly adminApiKey?: string;
  readonly databaseUrl?: string;
  readonly simulator: boolean;
  readonly simulatorPort: number;
  readonly tcpIdleTimeoutMs: number;
  /** On SIGTERM, how long live calls may go on before they are hung up. */
  readonly drainTimeoutMs: number;
  /** Hang up answered calls after this long without RTP; 0 (default) never does. */
  readonly mediaTimeoutMs: number;
  /** Symmetric RTP (RFC 4961): send to where the peer's RTP comes from, not the SDP address. */
  readonly rtpLatch: boolean;
  /** VGW_MEDIA_THREAD: RTP sent and received on the media I/O thread (issue 13 §3). */
  readonly mediaThread: boolean;
  /** RFC 3261 §17.1.1.1 T1 (RTT estimate, default 500 ms); every SIP timer scales with it. */
  readonly sipT1Ms: number;
  /** Per-API-key token bucket; none by default. */
  readonly apiRateLimit?: { readonly perSecond: number; readonly burst: number };
  /** Which addresses tenants' URLs (webhooks, play, WebSockets) may reach: open, or public + allow-list. */
  readonly urlPolicy: UrlPolicy;
  /** SIP over TLS (RFC 3261 §26.2): on only when a certificate and key are named; the files are re-read on SIGHUP. */
  readonly tls?: TlsSettings;
  /**
   * VGW_CREDENTIALS_KEY: the AES-256 key of the speech credentials at rest (64 hex characters,
   * or base64 of 32 bytes). Unset: a key file generated once in the data dir (docs/security.md).
   */
  readonly credentialsKey?: Buffer;
  /** VGW_WS_MAX_PAYLOAD: the largest message a WebSocket application may send (bytes; jambonz: 24 KB). */
  readonly wsMaxPayload: number;
  /** Issue 16: a cluster node when VGW_REDIS_URL is set (it then needs a PostgreSQL store); single otherwise. */
  readonly cluster?: ClusterSettings;
  /** VGW_NODE_ID: this node's name in a cluster and in its logs (default the hostname). */
  readonly nodeId: string;
  /**
   * VGW_SIP_TRUSTED_PROXIES: SIP proxies in front of the node (a cluster's Kamailio), as IPv4
   * addresses or CIDR blocks; their `X-Forwarded-For` names the carrier. None by default.
   */
  readonly sipTrustedProxies: readonly { readonly network: string; readonly bits: number }[];
}

export interface ClusterSettings {
  /** `redis://[user:pass@]host:port[/db]` or `rediss://…`. */
  readonly redisUrl: string;
}

export interface TlsSettings {
  /** VGW_SIP_TLS_PORT (default 5061; 0 picks a free port). */
  readonly port: number;
  /** PEM certificate (chain) presented to peers. */
  readonly certFile: string;
  readonly keyFile: string;
  /** PEM CAs trusted, besides the system ones, when a mutual-TLS gateway is verified. */
  readonly caFile?: string;
}

export class ConfigError extends GatewayError {
  constructor(message: string) {
    super('CONFIG_INVALID', message);
  }
}

/** Flag name ↔ environment variable. A flag (`--http-port 3000` or `--http-port=3000`) wins. */
const KEYS = {
  'http-address': 'VGW_HTTP_ADDRESS',
  'http-port': 'VGW_HTTP_PORT',
  'sip-address': 'VGW_SIP_ADDRESS',
  'sip-port': 'VGW_SIP_PORT',
  'public-address': 'VGW_PUBLIC_ADDRESS',
  'rtp-ports': 'VGW_RTP_PORTS',
  'data-dir': 'VGW_DATA_DIR',
  'log-level': 'VGW_LOG_LEVEL',
  'admin-api-key': 'VGW_ADMIN_API_KEY',
  'database-url': 'VGW_DATABASE_URL',
  simulator: 'VGW_SIMULATOR',
  'simulator-port': 'VGW_SIMULATOR_PORT',
  'tcp-idle-timeout': 'VGW_TCP_IDLE_TIMEOUT_MS',
  'drain-timeout': 'VGW_DRAIN_TIMEOUT_MS',
  'media-timeout': 'VGW_MEDIA_TIMEOUT_MS',
  'rtp-latch': 'VGW_RTP_LATCH',
  'media-thread': 'VGW_MEDIA_THREAD',
  'api-rate-limit': 'VGW_API_RATE_LIMIT',
  'sip-t1': 'VGW_SIP_T1_MS',
  'url-policy': 'VGW_URL_POLICY',
  'url-allow': 'VGW_URL_ALLOW',
  'sip-tls-port': 'VGW_SIP_TLS_PORT',
  'tls-cert': 'VGW_TLS_CERT',
  'tls-key': 'VGW_TLS_KEY',
  'tls-ca': 'VGW_TLS_CA',
  'credentials-key': 'VGW_CREDENTIALS_KEY',
  'ws-max-payload': 'VGW_WS_MAX_PAYLOAD',
  'redis-url': 'VGW_REDIS_URL',
  'sip-trusted-proxies': 'VGW_SIP_TRUSTED_PROXIES',
  'node-id': 'VGW_NODE_ID',
} as const;
type Key = keyof typeof KEYS;

export function parseFlags(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    if (eq > 0) out.set(a.slice(2, eq), a.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) out.set(a.slice(2), argv[++i]);
    else out.set(a.slice(2), 'true');
  }
  return out;
}

function onOff(name: string, v: string): boolean {
  const x = v.toLowerCase();
  if (['on', 'true', '1'].includes(x)) return true;
  if (['off', 'false', '0'].includes(x)) return false;
  throw new ConfigError(`${name} must be on or off, got "${v}"`);
}

/** `PER_SECOND[/BURST]`, e.g. `20` or `20/100`; the burst defaults to one second's worth. */
function rateLimit(v: string | undefined): Config['apiRateLimit'] {
  if (v === undefined || v === 'off') return undefined;
  const m = /^(\d+(?:\.\d+)?)(?:\/(\d+))?$/.exec(v.trim());
  const perSecond = m ? Number(m[1]) : NaN;
  const burst = m?.[2] !== undefined ? Number(m[2]) : Math.max(1, Math.ceil(perSecond));
  if (!(perSecond > 0) || !(burst >= 1)) throw new ConfigError(`VGW_API_RATE_LIMIT must look like 20 or 20/100 (requests per second per API key, then the burst), got "${v}"`);
  return Object.freeze({ perSecond, burst });
}

/** `open` (default) or `public`; the allow-list is CIDRs, addresses and host names (docs/security.md). */
function urlPolicy(mode: string | undefined, allow: string | undefined): UrlPolicy {
  const m = mode ?? 'open';
  if (m !== 'open' && m !== 'public') throw new ConfigError(`VGW_URL_POLICY must be open or public, got "${m}"`);
  try {
    return parseUrlPolicy(m, allow);
  } catch (e) {
    if (e instanceof UrlPolicyError) throw new ConfigError(`VGW_URL_ALLOW: ${e.message}`);
    throw e;
  }
}

function port(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`${name} must be a port number (0-65535), got "${v}"`);
  return n;
}

/** Reads the settings in a fixed order, so that the first invalid one is the one reported. */
export function loadConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Config {
  const get = settingReader(argv, env);
  const rtpPorts = rtpPortRange(get);
  const logLevel = logLevelSetting(get);
  const timers = timerSettings(get);
  return Object.freeze({
    ...listenerSettings(get),
    rtpPorts,
    dataDir: get('data-dir') ?? './data',
    logLevel,
    adminApiKey: get('admin-api-key'),
    databaseUrl: get('database-url'),
    ...simulatorSettings(get),
    ...timers,
    rtpLatch: onOff('VGW_RTP_LATCH', get('rtp-latch') ?? 'on'),
    mediaThread: onOff('VGW_MEDIA_THREAD', get('media-thread') ?? 'off'),
    apiRateLimit: rateLimit(get('api-rate-limit')),
    urlPolicy: urlPolicy(get('url-policy'), get('url-allow')),
    ...tlsSettings(get),
    ...credentialsKey(get('credentials-key')),
    wsMaxPayload: wsMaxPayload(get('ws-max-payload')),
    ...clusterSettings(get),
    sipTrustedProxies: trustedProxies(get('sip-trusted-proxies')),
  });
}

/** `10.0.0.5, 10.1.0.0/16`: IPv4 addresses or CIDR blocks. */
function trustedProxies(v: string | undefined): Config['sipTrustedProxies'] {
  if (v === undefined || v.trim() === '') return [];
  return v.split(',').map((item) => {
    const m = /^(\d{1,3}(?:\.\d{1,3}){3})(?:\/(\d{1,2}))?$/.exec(item.trim());
    const bits = m ? Number(m[2] ?? 32) : NaN;
    if (!m || m[1].split('.').some((o) => Number(o) > 255) || bits > 32) throw new ConfigError(`VGW_SIP_TRUSTED_PROXIES must list IPv4 addresses or CIDR blocks (10.0.0.5,10.1.0.0/16), got "${item.trim()}"`);
    return { network: m[1], bits };
  });
}

/** VGW_REDIS_URL makes a cluster node, which shares its store: a SQLite file cannot be shared. */
function clusterSettings(get: Get): Pick<Config, 'cluster' | 'nodeId'> {
  const nodeId = get('node-id') ?? hostname();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(nodeId)) throw new ConfigError(`VGW_NODE_ID must be 1-63 letters, digits, '.', '_' or '-', got "${nodeId}"`);
  const redisUrl = get('redis-url');
  if (redisUrl === undefined || redisUrl === '') return { nodeId };
  let u: URL;
  try {
    u = new URL(redisUrl);
  } catch {
    throw new ConfigError('VGW_REDIS_URL must be a redis:// or rediss:// URL');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new ConfigError(`VGW_REDIS_URL must be a redis:// or rediss:// URL, got ${u.protocol}`);
  const db = get('database-url');
  if (!db || !/^postgres(ql)?:/.test(db)) throw new ConfigError('VGW_REDIS_URL (a cluster node) needs VGW_DATABASE_URL to name the PostgreSQL store the nodes share');
  return { nodeId, cluster: { redisUrl } };
}

/** Bytes, 1 KB to 16 MB; 24 KB (jambonz's JAMBONES_WS_MAX_PAYLOAD default) when unset. */
function wsMaxPayload(v: string | undefined): number {
  if (v === undefined) return 24 * 1024;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1024 || n > 16 * 1024 * 1024) throw new ConfigError(`VGW_WS_MAX_PAYLOAD must be a number of bytes from 1024 to 16777216, got "${v}"`);
  return n;
}

/** 32 bytes written as 64 hex characters or as base64; the value itself never appears in the error. */
function credentialsKey(v: string | undefined): { credentialsKey?: Buffer } {
  if (v === undefined) return {};
  const t = v.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : /^[A-Za-z0-9+/]{43}=$/.test(t) ? Buffer.from(t, 'base64') : undefined;
  if (key?.length !== 32) throw new ConfigError('VGW_CREDENTIALS_KEY must be 64 hex characters or the base64 of 32 bytes (e.g. `openssl rand -hex 32`)');
  return { credentialsKey: key };
}

/** VGW_TLS_CERT and VGW_TLS_KEY switch TLS on together; VGW_SIP_TLS_PORT and VGW_TLS_CA refine it. */
function tlsSettings(get: Get): { tls?: TlsSettings } {
  const certFile = get('tls-cert');
  const keyFile = get('tls-key');
  if (certFile === undefined && keyFile === undefined) return {};
  if (certFile === undefined || keyFile === undefined) throw new ConfigError('VGW_TLS_CERT and VGW_TLS_KEY must be set together (PEM files of the certificate and its key)');
  const caFile = get('tls-ca');
  const tls: TlsSettings = { port: port('VGW_SIP_TLS_PORT', get('sip-tls-port') ?? '5061'), certFile, keyFile, ...(caFile ? { caFile } : {}) };
  return { tls: Object.freeze(tls) };
}

/** One setting's raw value: its flag, else its (non-empty) environment variable. */
type Get = (k: Key) => string | undefined;

function settingReader(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Get {
  const flags = parseFlags(argv);
  for (const f of flags.keys()) {
    if (!(f in KEYS)) throw new ConfigError(`unknown flag --${f}`);
  }
  return (k) => flags.get(k) ?? (env[KEYS[k]] || undefined);
}

/** `MIN-MAX`: RTP and RTCP take port pairs, so the range starts at an even port. */
function rtpPortRange(get: Get): Config['rtpPorts'] {
  const rtp = get('rtp-ports') ?? '40000-49999';
  const m = /^(\d+)-(\d+)$/.exec(rtp);
  if (!m) throw new ConfigError(`VGW_RTP_PORTS must look like 40000-49999, got "${rtp}"`);
  const min = port('VGW_RTP_PORTS', m[1]);
  const max = port('VGW_RTP_PORTS', m[2]);
  if (min > max || min % 2 !== 0) throw new ConfigError('VGW_RTP_PORTS: the range must start at an even port and not be reversed');
  return Object.freeze({ min, max });
}

function logLevelSetting(get: Get): LogLevel {
  const level = get('log-level') ?? 'info';
  if (!isLogLevel(level)) throw new ConfigError(`VGW_LOG_LEVEL must be trace|debug|info|warn|error|silent, got "${level}"`);
  return level;
}

/** The durations: TCP idle, SIGTERM drain, RTP silence, and SIP T1 (RFC 3261 §17.1.1.1). */
function timerSettings(get: Get): Pick<Config, 'tcpIdleTimeoutMs' | 'drainTimeoutMs' | 'mediaTimeoutMs' | 'sipT1Ms'> {
  const idle = Number(get('tcp-idle-timeout') ?? 120_000);
  if (!Number.isFinite(idle) || idle <= 0) throw new ConfigError('VGW_TCP_IDLE_TIMEOUT_MS must be a positive number');
  const drain = Number(get('drain-timeout') ?? 30_000);
  if (!Number.isFinite(drain) || drain < 0) throw new ConfigError('VGW_DRAIN_TIMEOUT_MS must be a number of milliseconds ≥ 0');
  const mediaTimeout = Number(get('media-timeout') ?? 0);
  if (!Number.isFinite(mediaTimeout) || mediaTimeout < 0) throw new ConfigError('VGW_MEDIA_TIMEOUT_MS must be a number of milliseconds ≥ 0');
  const t1 = Number(get('sip-t1') ?? 500);
  if (!Number.isInteger(t1) || t1 < 10 || t1 > 5000) throw new ConfigError('VGW_SIP_T1_MS must be a whole number of milliseconds from 10 to 5000');
  return { tcpIdleTimeoutMs: idle, drainTimeoutMs: drain, mediaTimeoutMs: mediaTimeout, sipT1Ms: t1 };
}

/** Where the HTTP API and SIP listen, and the address written into Via, Contact and SDP. */
function listenerSettings(get: Get): Pick<Config, 'httpAddress' | 'httpPort' | 'sipAddress' | 'sipPort' | 'publicAddress'> {
  const sipAddress = get('sip-address') ?? '0.0.0.0';
  return {
    httpAddress: get('http-address') ?? '0.0.0.0',
    httpPort: port('VGW_HTTP_PORT', get('http-port') ?? '3000'),
    sipAddress,
    sipPort: port('VGW_SIP_PORT', get('sip-port') ?? '5060'),
    publicAddress: get('public-address') ?? (sipAddress === '0.0.0.0' ? '127.0.0.1' : sipAddress),
  };
}

function simulatorSettings(get: Get): Pick<Config, 'simulator' | 'simulatorPort'> {
  return {
    simulator: onOff('VGW_SIMULATOR', get('simulator') ?? 'on'),
    simulatorPort: port('VGW_SIMULATOR_PORT', get('simulator-port') ?? '15060'),
  };
}
