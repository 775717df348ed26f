import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
    this.hooks = new Histogram({ name: 'vgw_webhook_latency_seconds', help: 'Application webhook round-trip', labelNames: ['result'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [this.registry] });
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

  register(app: FastifyInstance): void {
    app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => reply.header('content-type', this.registry.contentType).send(await this.registry.metrics()));
  }
}
