/**
 * Runs short-lived child processes (espeak-ng, ffmpeg) without stalling the event loop that paces
 * every call's RTP (issue 13 §3). `child_process.spawn` forks on the calling thread, which blocks
 * it for 5–15 ms in a process of a gateway's size (more under load); the runner forks on a worker
 * thread (process-worker.ts) and hands back the whole output. One runner per process, started
 * with the gateway (`processRunner()`), so the first call does not pay for the thread's start.
 */
import { Worker } from 'node:worker_threads';
import { GatewayError } from './errors.js';

export type RunnerRequest =
  | { readonly type: 'run'; readonly id: number; readonly command: string; readonly args: readonly string[]; readonly input: Uint8Array }
  | { readonly type: 'kill'; readonly id: number };

export interface RunnerReply {
  readonly type: 'done';
  readonly id: number;
  readonly code: number | null;
  readonly stderr: string;
  /** The process could not be started or failed (ENOENT …). */
  readonly error?: string;
  /** Time from the start of the process to its first output, ms (−1: none). */
  readonly firstOutputMs: number;
  readonly stdout: ArrayBuffer;
}

export interface ProcessResult {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly firstOutputMs: number;
}

/** `PROCESS_START_FAILED` (could not run it: its message says why) or `PROCESS_ABORTED`. */
export class ProcessRunError extends GatewayError {}

interface Pending {
  resolve(r: ProcessResult): void;
  reject(e: Error): void;
}

export class ProcessRunner {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #next = 0;

  constructor() {
    this.#worker = new Worker(new URL('./process-worker.js', import.meta.url));
    this.#worker.on('message', (m: RunnerReply) => this.#done(m));
    this.#worker.on('error', (e) => this.#failAll(e));
    // After the listeners: adding a 'message' listener refs the worker's port again.
    this.#worker.unref();
  }

  /**
   * Runs `command args` with `input` on its stdin; resolves with its exit code and output once it
   * has exited. Rejects with ProcessRunError when it cannot be started or `signal` aborts (the
   * process is killed).
   */
  run(command: string, args: readonly string[], input: string | Uint8Array, signal?: AbortSignal): Promise<ProcessResult> {
    if (signal?.aborted) return Promise.reject(new ProcessRunError('PROCESS_ABORTED', `${command} aborted`));
    const id = ++this.#next;
    return new Promise<ProcessResult>((resolve, reject) => {
      const onAbort = (): void => {
        this.#worker.postMessage({ type: 'kill', id } satisfies RunnerRequest);
        this.#settle(id);
        reject(new ProcessRunError('PROCESS_ABORTED', `${command} aborted`));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, {
        resolve: (r) => { signal?.removeEventListener('abort', onAbort); resolve(r); },
        reject: (e) => { signal?.removeEventListener('abort', onAbort); reject(e); },
      });
      // A pending run keeps the process alive; an idle worker does not.
      if (this.#pending.size === 1) this.#worker.ref();
      const bytes = typeof input === 'string' ? Buffer.from(input) : input;
      this.#worker.postMessage({ type: 'run', id, command, args, input: bytes } satisfies RunnerRequest);
    });
  }

  /** Stops the worker (tests, shutdown); pending runs reject. */
  async close(): Promise<void> {
    this.#failAll(new ProcessRunError('PROCESS_ABORTED', 'process runner closed'));
    await this.#worker.terminate();
  }

  #settle(id: number): Pending | undefined {
    const p = this.#pending.get(id);
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#worker.unref();
    return p;
  }

  #done(m: RunnerReply): void {
    const p = this.#settle(m.id);
    if (!p) return;
    if (m.error !== undefined) p.reject(new ProcessRunError('PROCESS_START_FAILED', m.error));
    else p.resolve({ code: m.code, stdout: Buffer.from(m.stdout), stderr: m.stderr, firstOutputMs: m.firstOutputMs });
  }

  #failAll(e: Error): void {
    const all = [...this.#pending.values()];
    this.#pending.clear();
    this.#worker.unref();
    for (const p of all) p.reject(e instanceof ProcessRunError ? e : new ProcessRunError('PROCESS_START_FAILED', `process runner failed: ${e.message}`, { cause: e }));
  }
}

let shared: ProcessRunner | undefined;

/** The process's runner, started on first use; call it at start-up so calls never start it. */
export function processRunner(): ProcessRunner {
  shared ??= new ProcessRunner();
  return shared;
}
