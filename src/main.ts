import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type Config } from './config/config.js';
import { systemClock, type Clock } from './kernel/clock.js';
import { detach } from './kernel/detached.js';
import type { Logger } from './kernel/logger.js';
import { buildApi } from './api/app.js';
import { liveCallRoutes } from './api/routes/live-calls.js';
import { GatewayMetrics } from './api/metrics.js';
import { STREAM_TOTALS, StreamSocketPool } from './call/audio-stream/index.js';
import { CallManager } from './call/manager.js';
import { clientCertPolicy, InboundHandler } from './call/inbound.js';
import { inSubnet } from './call/inbound-auth.js';
import { MediaEngine } from './media/index.js';
import { createSipStack, loadTlsCredentials, registrarContext, type SipStack, type SipStackOptions } from './sip/index.js';
import { RegistrationManager } from './call/registrations.js';
import { createDefaultTtsRegistry, createSpeechVendors, TtsCache, type SpeechCredentialLookup, type SpeechVendors, type TtsRegistry } from './speech/index.js';
import { Agent, request } from 'undici';
import { bootstrapAdminKey, openStore, type Store } from './store/index.js';
import { registerDemoApp } from './api/routes/demo.js';
import { registerPortal } from './api/portal.js';
import { provisionDemo, type DemoIds } from './cli/demo.js';
import { startSimulator, type Simulator } from './simulator/index.js';
import { CallsService, settleAfterRestart, type RecoveryResult } from './app/index.js';
import { speechCredentialRoutes } from './api/routes/speech-credentials.js';
import { campaignRoutes } from './api/routes/campaigns.js';
import { CampaignService } from './app/campaigns/index.js';
import { createCredentialCipher, loadOrCreateKeyFile, type CredentialCipher } from './speech/credentials-cipher.js';
import { createSpeechCredentialLookup, type SpeechCredentialStore } from './speech/credentials-lookup.js';
import { socketOpener, WebhookClient } from './verbs/index.js';
import { createSingleNode, RedisClusterState, type ClusterState } from './cluster/index.js';
import { LostNodeSweeper } from './app/index.js';
import type { ClusterPeers } from './api/cluster-peers.js';

export interface Gateway {
  readonly httpPort: number;
  readonly sipPort: number;
  readonly sip: SipStack;
  readonly store: Store;
  readonly calls: CallManager;
  /** Cloud speech: the vendor adapters and the accounts' credentials (issue 14). */
  readonly speech: Speech;
  readonly simulator?: Simulator;
  readonly demo?: DemoIds;
  /** What this start settled of the calls a previous process left open. */
  readonly recovered: RecoveryResult;
  /** Outbound campaigns (issue 17); running ones are resumed when the gateway is ready. */
  readonly campaigns: CampaignService;
  /** The admin key created on this start (first start with an empty store only). */
  readonly firstAdminKey?: string;
  /**
   * Re-reads the TLS certificate and key files (what SIGHUP does): new TLS connections use them.
   * Rejects with SIP_TLS_CONFIG (the old ones stay in use) when they cannot be read or do not pair.
   */
  reloadTls(): Promise<void>;
  /** Stops taking calls, drains live ones for up to `drainMs`, hangs up the rest, closes everything. */
  close(drainMs?: number): Promise<void>;
}

/** Composition root: the only module that knows every layer (DESIGN.md §3). */
/** Speech adapters and credentials in place of the shipped ones (tests with local fake vendors). */
export interface GatewaySpeech {
  readonly vendors?: SpeechVendors;
  readonly credentials?: SpeechCredentialLookup;
}

export async function startGateway(config: Config, logger: Logger, clock: Clock = systemClock, speech: GatewaySpeech = {}): Promise<Gateway> {
  mkdirSync(config.dataDir, { recursive: true });
  const env: Env = { config, logger, clock };
  const health = { ready: false };
  const base = await buildBase(env);
  const ranges = splitRtpPorts(config.rtpPorts, config.simulator);
  const callLayer = buildCallLayer(env, base, ranges.gateway, speech);
  const appLayer = await buildAppLayer(env, base, callLayer).catch(async (e: unknown) => {
    await Promise.all([base.sip.close(), callLayer.media.close(), base.store.close(), base.cluster.close()]);
    throw e;
  });
  const api = buildHttpApi(env, base, callLayer, appLayer, () => health.ready);
  let simulator: Simulator | undefined;
  try {
    await api.listen({ host: config.httpAddress, port: config.httpPort });
    if (config.simulator && ranges.simulator) {
      simulator = await startSimulator({ clock, logger: logger.child({ layer: 'simulator' }), port: config.simulatorPort, rtpPorts: ranges.simulator, dataDir: config.dataDir });
    }
  } catch (e) {
    await Promise.all([api.close(), base.sip.close(), callLayer.media.close(), base.store.close(), base.cluster.close()]);
    throw e;
  }
  const addr = api.server.address();
  const httpPort = typeof addr === 'object' && addr ? addr.port : config.httpPort;
  const demo = simulator ? await provisionDemo(base.store, httpPort, simulator.port, logger) : undefined;
  let sweeper: LostNodeSweeper | undefined;
  try {
    sweeper = await joinCluster(env, base, appLayer, httpPort);
  } catch (e) {
    await gatewayHandle({ env, base, callLayer, appLayer, api, health, httpPort, simulator, demo }).close();
    throw e;
  }
  await callLayer.registrations.start();
  await warmUp(env, httpPort, callLayer.tts);
  health.ready = true;
  // Issue 17: campaigns that were running go on (their calls of a previous process settled from the CDRs).
  await appLayer.campaigns.resume().catch((e: unknown) => logger.error('resuming campaigns failed; they stay as stored (PUT running to retry)', { err: e instanceof Error ? e : String(e) }));
  logger.info('gateway listening', { http: httpPort, sip: base.sip.transport.port, sipTls: base.sip.transport.tlsPort, publicAddress: config.publicAddress, store: base.store.kind });
  return gatewayHandle({ env, base, callLayer, appLayer, api, health, httpPort, simulator, demo, sweeper });
}

/** The Fastify instance of the REST API. */
type HttpApi = ReturnType<typeof buildApi>;

/** What every build step reads. */
interface Env {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
}

/** Storage and signalling: the store (with the admin key of a first start), speech credentials and the SIP stack. */
interface Base {
  /** Issue 16: the state shared with the other nodes (Redis), or this node's own. */
  readonly cluster: ClusterState;
  readonly store: Store;
  readonly firstAdminKey?: string;
  readonly speech: Speech;
  readonly sip: SipStack;
}

/**
 * Cloud speech (issue 14): the vendor adapters, the cipher of the credentials at rest, and the
 * `SpeechCredentialLookup` the call layer resolves an account's credential with.
 */
export interface Speech {
  readonly vendors: SpeechVendors;
  readonly cipher: CredentialCipher;
  readonly credentials: SpeechCredentialStore;
}

/** VGW_CREDENTIALS_KEY, else `<dataDir>/credentials.key` (created once, mode 0600). */
function buildSpeech({ config, logger, clock }: Env, store: Store): Speech {
  const cipher = createCredentialCipher(config.credentialsKey ?? loadOrCreateKeyFile(config.dataDir));
  const credentials = createSpeechCredentialLookup(store, cipher, { clock, logger: logger.child({ layer: 'speech' }) });
  return { vendors: createSpeechVendors(), cipher, credentials };
}

/** Carrier registrations, the media engine, and the calls with their metrics. */
interface CallLayer {
  readonly registrations: RegistrationManager;
  readonly media: MediaEngine;
  readonly metrics: GatewayMetrics;
  readonly tts: TtsRegistry;
  readonly calls: CallManager;
  /** The listen sockets' worker thread (started with the first stream). */
  readonly streamSockets: StreamSocketPool;
}

/** Webhooks, the calls a previous process left, the REST-facing service, and inbound routing. */
interface AppLayer {
  readonly webhooks: WebhookClient;
  readonly recovered: RecoveryResult;
  readonly service: CallsService;
  readonly campaigns: CampaignService;
  readonly inbound: InboundHandler;
}

/** Opens the store, makes sure an admin key exists, and binds SIP (closing the store if SIP cannot bind). */
async function buildBase({ config, logger, clock }: Env): Promise<Base> {
  // A cluster node that cannot reach Redis does not start: half a cluster would break its limits.
  const cluster = config.cluster
    ? await RedisClusterState.connect({ url: config.cluster.redisUrl, nodeId: config.nodeId, clock, logger: logger.child({ layer: 'cluster' }) })
    : createSingleNode(config.nodeId, clock);
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, logger, clock }).catch(async (e: unknown) => {
    await cluster.close();
    throw e;
  });
  const admin = await bootstrapAdminKey(store, config.adminApiKey, logger);
  let speech: Speech;
  try {
    speech = buildSpeech({ config, logger, clock }, store);
  } catch (e) {
    await Promise.all([store.close(), cluster.close()]);
    throw e;
  }
  const sip = await sipTls(config, store)
    .then((tls) => createSipStack({
      clock,
      logger: logger.child({ layer: 'sip' }),
      bindAddress: config.sipAddress,
      port: config.sipPort,
      publicAddress: config.publicAddress,
      tcpIdleTimeoutMs: config.tcpIdleTimeoutMs,
      timers: sipTimers(config.sipT1Ms),
      tls,
    }))
    .catch(async (e: unknown) => {
      await Promise.all([store.close(), cluster.close()]);
      throw e;
    });
  return { cluster, store, firstAdminKey: admin.token, speech, sip };
}

/** SIP over TLS when VGW_TLS_CERT and VGW_TLS_KEY name usable PEM files (read now, and on SIGHUP). */
async function sipTls(config: Config, store: Store): Promise<SipStackOptions['tls']> {
  if (!config.tls) return undefined;
  const credentials = await loadTlsCredentials(tlsFiles(config.tls));
  return { port: config.tls.port, credentials, clientCertRequired: clientCertPolicy(store) };
}

function tlsFiles(t: NonNullable<Config['tls']>): { cert: string; key: string; ca?: string } {
  return { cert: t.certFile, key: t.keyFile, ...(t.caFile ? { ca: t.caFile } : {}) };
}

/** SIGHUP re-reads the TLS files; a bad file is logged and the running credentials stay. Returns the unsubscribe. */
function reloadTlsOnSighup(reload: () => Promise<void>, logger: Logger): () => void {
  const onHup = (): void => {
    reload().then(
      () => logger.info('TLS certificate and key reloaded (SIGHUP)'),
      (e: unknown) => logger.error('TLS reload failed; the previous certificate stays in use', { err: e instanceof Error ? e : String(e) }),
    );
  };
  process.on('SIGHUP', onHup);
  return () => process.off('SIGHUP', onHup);
}

function buildCallLayer({ config, logger, clock }: Env, { store, sip, speech: shipped, cluster }: Base, rtpPorts: { min: number; max: number }, speech: GatewaySpeech): CallLayer {
  const registrations = new RegistrationManager({ clock, logger: logger.child({ layer: 'registration' }), store, context: registrarContext(sip.ua.context), privateAddress: config.sipAddress });
  const media = new MediaEngine({ clock, logger: logger.child({ layer: 'media' }), portRange: rtpPorts, bindAddress: config.sipAddress, latch: config.rtpLatch, ioThread: config.mediaThread });
  const ttsCache = new TtsCache({ dir: join(config.dataDir, 'tts-cache'), clock, logger: logger.child({ layer: 'tts' }) });
  const tts = createDefaultTtsRegistry({ clock, cache: ttsCache, logger: logger.child({ layer: 'tts' }) });
  let activeCalls = (): number => 0;
  const metrics = new GatewayMetrics(() => activeCalls());
  metrics.watchStreams(STREAM_TOTALS);
  const streamSockets = new StreamSocketPool({ logger: logger.child({ layer: 'call' }), totals: STREAM_TOTALS });
  const calls = new CallManager({
    clock, logger: logger.child({ layer: 'call' }), ua: sip.ua, media, store, tts, ttsCache, speechVendors: speech.vendors ?? shipped.vendors, speechCredentials: speech.credentials ?? shipped.credentials, observer: metrics, mediaTimeoutMs: config.mediaTimeoutMs, urlPolicy: config.urlPolicy, streamSockets,
    publicAddress: config.publicAddress, sipAddress: `${config.publicAddress}:${sip.transport.port}`, searchPath: process.env.PATH,
    ...(cluster.shared ? { registry: cluster } : {}),
  });
  activeCalls = () => calls.activeCount;
  return { registrations, media, metrics, tts, calls, streamSockets };
}

/** Settles the calls a previous process left open, then routes new INVITEs to their applications. */
async function buildAppLayer({ config, logger, clock }: Env, { store, sip }: Base, { media, metrics, calls }: CallLayer): Promise<AppLayer> {
  const webhooks = new WebhookClient({ clock, urlPolicy: config.urlPolicy });
  const host = `${config.publicAddress}:${sip.transport.port}`;
  // Before any new call: settle the calls a previous process left open (issue 12).
  const recovered = await settleAfterRestart({ store, clock, logger: logger.child({ layer: 'app' }), webhooks, host });
  const openSocket = socketOpener({ clock, urlPolicy: config.urlPolicy, maxPayload: config.wsMaxPayload });
  const service = new CallsService({ clock, logger: logger.child({ layer: 'app' }), store, calls, webhooks, host, openSocket, onWebhook: (ms, ok) => metrics.webhook(ms, ok) });
  const campaigns = new CampaignService({ clock, logger: logger.child({ layer: 'campaigns' }), store, calls: service, webhooks, owner: host });
  const inbound = new InboundHandler({
    clock, logger: logger.child({ layer: 'inbound' }), store, media, calls, publicAddress: config.publicAddress,
    ...(config.sipTrustedProxies.length > 0 ? { trustedProxy: (address: string) => config.sipTrustedProxies.some((p) => inSubnet(address, p.network, p.bits)) } : {}),
    onCall: (call, route, sipInfo) => {
      service.inbound(call, route.applicationSid, { ...sipInfo }).catch((e: unknown) => {
        logger.error('starting the inbound application failed', { call_sid: call.sid, err: e instanceof Error ? e : String(e) });
        call.alert('invalid-app-payload', e instanceof Error ? e.message : String(e));
        detach(logger, 'rejecting an inbound call', call.hangup());
      });
    },
  });
  sip.ua.on('invite', (inv) => {
    if (!calls.isAccepting) inv.reject(503, { reason: 'Service Unavailable', headers: [{ name: 'Retry-After', value: '5' }] });
    else inbound.handle(inv);
  });
  return { webhooks, recovered, service, campaigns, inbound };
}

/** The REST API with the live-call routes, the demo app, the portal and the metrics (not listening yet). */
function buildHttpApi({ config, logger, clock }: Env, { store, speech, cluster }: Base, { registrations, metrics }: CallLayer, { service, campaigns, inbound }: AppLayer, isReady: () => boolean): HttpApi {
  const serviceUrl = `http://${config.publicAddress}:${config.httpPort}`;
  const api = buildApi({
    logger, isReady, store, clock, registrations, rateLimit: config.apiRateLimit, plugins: [liveCallRoutes(service, serviceUrl), speechCredentialRoutes({ cipher: speech.cipher, vendors: speech.vendors, urlPolicy: config.urlPolicy }), campaignRoutes(campaigns)],
    trunksChanged: () => inbound.trunksChanged(),
    ...(cluster.shared ? { cluster: clusterPeers(cluster) } : {}),
  });
  registerDemoApp(api);
  registerPortal(api);
  metrics.register(api);
  return api;
}

/** Issue 16: what the REST API needs of the other nodes. */
function clusterPeers(cluster: ClusterState): ClusterPeers {
  return {
    nodeId: cluster.nodeId,
    ownerOf: async (sid) => {
      const n = await cluster.ownerOf(sid);
      return n ? { nodeId: n.nodeId, httpUrl: n.httpUrl } : undefined;
    },
    // A call admitted a moment ago has no status yet: it is listed from its first status on.
    remoteCalls: async (accountSid) => (await cluster.listCalls(accountSid)).filter((e) => e.nodeId !== cluster.nodeId && typeof e.info.call_sid === 'string').map((e) => e.info),
    takeToken: (key, perSecond, burst) => cluster.takeToken(key, perSecond, burst),
    secret: () => cluster.sharedSecret(),
  };
}

/** Issue 16: joins the cluster (after the listeners are up) and starts settling lost nodes. */
async function joinCluster({ config, logger, clock }: Env, base: Base, appLayer: AppLayer, httpPort: number): Promise<LostNodeSweeper | undefined> {
  const { cluster, sip, store } = base;
  if (!cluster.shared) return undefined;
  const wildcard = config.httpAddress === '0.0.0.0' || config.httpAddress === '::';
  const httpHost = wildcard ? config.publicAddress : config.httpAddress;
  const sipHost = `${config.publicAddress}:${sip.transport.port}`;
  await cluster.join({ nodeId: cluster.nodeId, httpUrl: `http://${httpHost.includes(':') ? `[${httpHost}]` : httpHost}:${httpPort}`, sipHost, startedAt: new Date(clock.wallNow()).toISOString() });
  const sweeper = new LostNodeSweeper({ source: cluster, clock, logger: logger.child({ layer: 'cluster' }), recovery: { store, clock, logger: logger.child({ layer: 'app' }), webhooks: appLayer.webhooks, host: sipHost } });
  sweeper.start();
  logger.info('joined the cluster', { node: cluster.nodeId, sipHost });
  return sweeper;
}

/** The started gateway. */
interface Running {
  readonly env: Env;
  readonly base: Base;
  readonly callLayer: CallLayer;
  readonly appLayer: AppLayer;
  readonly api: HttpApi;
  readonly health: { ready: boolean };
  readonly httpPort: number;
  readonly simulator?: Simulator;
  readonly demo?: DemoIds;
  readonly sweeper?: LostNodeSweeper;
}

/** The handle of a started gateway; close() runs once and takes the parts down outside in. */
function gatewayHandle({ env, base, callLayer, appLayer, api, health, httpPort, simulator, demo, sweeper }: Running): Gateway {
  let closed: Promise<void> | undefined;
  const tls = env.config.tls;
  const reloadTls = async (): Promise<void> => {
    if (!tls) throw new ConfigError('TLS is not configured (VGW_TLS_CERT, VGW_TLS_KEY)');
    base.sip.transport.setTlsCredentials(await loadTlsCredentials(tlsFiles(tls)));
  };
  const offHup = tls ? reloadTlsOnSighup(reloadTls, env.logger) : () => undefined;
  return {
    httpPort,
    sipPort: base.sip.transport.port,
    sip: base.sip,
    store: base.store,
    calls: callLayer.calls,
    speech: base.speech,
    firstAdminKey: base.firstAdminKey,
    recovered: appLayer.recovered,
    campaigns: appLayer.campaigns,
    simulator,
    demo,
    reloadTls,
    close(drainMs = 0) {
      closed ??= (async () => {
        offHup();
        health.ready = false;
        // Load balancers' OPTIONS probes get 503 from now on: the node leaves the dispatcher set.
        base.sip.ua.drain(Math.max(1, Math.ceil(drainMs / 1000)));
        await sweeper?.close();
        // No new campaign calls (their leases are given up at once); live ones drain with the rest.
        const campaignsClosed = appLayer.campaigns.close();
        await callLayer.calls.shutdown(drainMs);
        await callLayer.streamSockets.close();
        await campaignsClosed;
        await appLayer.recovered.notified;
        await api.close();
        await appLayer.webhooks.close();
        await simulator?.close();
        await callLayer.registrations.close();
        await callLayer.media.close();
        await base.sip.close();
        await base.speech.credentials.close();
        // Every call has ended: the node leaves the cluster's registry and heartbeats.
        await base.cluster.leave().catch((e: unknown) => env.logger.error('leaving the cluster failed (its heartbeat expires)', { err: e instanceof Error ? e : String(e) }));
        await base.cluster.close();
        await base.store.close();
      })();
      return closed;
    },
  };
}

/**
 * Issue 13: what the first call would otherwise pay for on the media path (where every call's
 * RTP is sent from) is paid before the gateway says it is ready — undici's HTTP parser (a WASM
 * module compiled at its first connection, for webhooks and play downloads) and espeak-ng's
 * first run (its voice data read from disk). A failure here only costs the first call that time.
 */
async function warmUp({ config, logger }: Env, httpPort: number, tts: TtsRegistry): Promise<void> {
  const host = config.httpAddress === '0.0.0.0' ? '127.0.0.1' : config.httpAddress === '::' ? '[::1]' : config.httpAddress.includes(':') ? `[${config.httpAddress}]` : config.httpAddress;
  const signal = AbortSignal.timeout(5000);
  // Our own Agent: the global dispatcher may be Node's bundled copy of undici (after a fetch()).
  const agent = new Agent();
  await Promise.all([
    request(`http://${host}:${httpPort}/health`, { signal, dispatcher: agent }).then((r) => r.body.dump()),
    tts.synthesize('espeak', { text: 'ready' }, signal),
  ]).catch((e: unknown) => logger.warn('warming up for the first call failed', { err: e instanceof Error ? e : String(e) }));
  await agent.close();
}

/** RFC 3261 §17: T2 and T4 stay at their defaults (4 s, 5 s) unless T1 is raised past them. */
function sipTimers(T1: number): { T1: number; T2: number; T4: number } {
  return { T1, T2: Math.max(4000, T1), T4: Math.max(5000, T1) };
}

/** With the simulator on, its RTP ports are the top tenth (≥ 100 ports) of VGW_RTP_PORTS. */
export function splitRtpPorts(r: { min: number; max: number }, simulator: boolean): { gateway: { min: number; max: number }; simulator?: { min: number; max: number } } {
  const size = r.max - r.min + 1;
  if (!simulator || size < 400) return { gateway: r, ...(simulator ? { simulator: r } : {}) };
  let cut = r.max + 1 - Math.max(100, Math.floor(size / 10));
  if (cut % 2 !== 0) cut += 1;
  return { gateway: { min: r.min, max: cut - 1 }, simulator: { min: cut, max: r.max } };
}
