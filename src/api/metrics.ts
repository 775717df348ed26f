import type { FastifyInstance } from 'fastify';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Event-loop sampling period: a stall shorter than this is not seen. */
const LOOP_RESOLUTION_MS = 5;

/** What the call layer reports; the composition root connects it to `GatewayMetrics`. */
export interface CallObserver {
  status(direction: string, status: string): void;
  postDialDelay(ms: number): void;
  webhook(latencyMs: number, ok: boolean): void;
}

/** Prometheus metrics at `/metrics` (issue 5): calls by status, active calls, PDD and webhook latency. */
export class GatewayMetrics implements CallObserver {
  readonly registry = new Registry();
  private readonly calls: Counter<'direction' | 'status'>;
  private readonly pdd: Histogram;
  private readonly hooks: Histogram<'result'>;

  constructor(activeCalls: () => number) {
    collectDefaultMetrics({ register: this.registry, prefix: 'vgw_process_' });
    this.calls = new Counter({ name: 'vgw_calls_total', help: 'Call status changes, by direction and status', labelNames: ['direction', 'status'], registers: [this.registry] });
    new Gauge({ name: 'vgw_active_calls', help: 'Calls in progress (ringing or answered)', registers: [this.registry], collect() { this.set(activeCalls()); } });
    this.pdd = new Histogram({ name: 'vgw_post_dial_delay_seconds', help: 'INVITE sent → first response other than 100', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8], registers: [this.registry] });
    this.loopDelay();
    this.hooks = new Histogram({ name: 'vgw_webhook_latency_seconds', help: 'Application webhook round-trip', labelNames: ['result'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [this.registry] });
  }

  /**
   * How late the event loop ran (issue 13): every call's RTP is sent from it, so a stall here is
   * a gap in every call's audio. p50, p99 and max since the previous scrape, in seconds.
   */
  private loopDelay(): void {
    const h = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    h.enable();
    // Node records the whole sampling interval; the delay is what exceeds it.
    const late = (ns: number): number => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS) / 1000;
    new Gauge({
      name: 'vgw_event_loop_delay_seconds', help: `How late the event loop ran since the previous scrape (sampled every ${LOOP_RESOLUTION_MS} ms)`,
      labelNames: ['quantile'], registers: [this.registry],
      collect() {
        if (h.count > 0) {
          this.set({ quantile: '0.5' }, late(h.percentile(50)));
          this.set({ quantile: '0.99' }, late(h.percentile(99)));
          this.set({ quantile: '1' }, late(h.max));
        }
        h.reset();
      },
    });
  }

  status(direction: string, status: string): void {
    this.calls.inc({ direction, status });
  }

  postDialDelay(ms: number): void {
    this.pdd.observe(ms / 1000);
  }

  webhook(latencyMs: number, ok: boolean): void {
    this.hooks.observe({ result: ok ? 'ok' : 'error' }, latencyMs / 1000);
  }

  /** Audio streams (issue 15, `listen`): open now, frames sent and frames dropped by back-pressure since start. */
  watchStreams(totals: { readonly active: number; readonly framesSent: number; readonly framesDropped: number }): void {
    new Gauge({ name: 'vgw_audio_streams_active', help: 'listen streams (WebSocket audio) open now', registers: [this.registry], collect() { this.set(totals.active); } });
    new Gauge({ name: 'vgw_audio_stream_frames_sent', help: 'Audio frames sent on listen streams since start', registers: [this.registry], collect() { this.set(totals.framesSent); } });
    new Gauge({ name: 'vgw_audio_stream_frames_dropped', help: 'Audio frames dropped since start because a listen socket did not drain (back-pressure)', registers: [this.registry], collect() { this.set(totals.framesDropped); } });
  }

  register(app: FastifyInstance): void {
    app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => reply.header('content-type', this.registry.contentType).send(await this.registry.metrics()));
  }
}
