/**
 * The thread that starts child processes for ProcessRunner (process-runner.ts). fork() copies the
 * parent's page tables and blocks the thread that calls it for 5–15 ms in a gateway-sized
 * process (issue 13 §3: one `say` through espeak-ng stalled every call's RTP that long); here it
 * blocks only this thread. Children run at a lower priority than the gateway (`CHILD_NICE_STEP`).
 * Messages are data: `run` and `kill` in, `done` out.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { getPriority, setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { RunnerReply, RunnerRequest } from './process-runner.js';

const running = new Map<number, ChildProcess>();

/**
 * How much nicer than the gateway its children run. A synthesis or a transcode is CPU-bound for
 * tens of milliseconds; at the gateway's own priority a burst of them (a `say` on each of ten new
 * calls) competes with the media thread for the cores and delays every call's next packet. Ten
 * steps lower, the scheduler gives them what the media thread leaves (CFS weights 1024 vs 110).
 */
export const CHILD_NICE_STEP = 10;

/** Lowers a child's priority; a system that forbids it leaves the child at the gateway's. */
function lower(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    setPriority(pid, Math.min(19, getPriority() + CHILD_NICE_STEP));
  } catch {
    // EACCES/EPERM in a restricted container: nothing to do.
  }
}

function reply(m: RunnerReply, transfer: ArrayBuffer[] = []): void {
  parentPort?.postMessage(m, transfer);
}

function run(m: Extract<RunnerRequest, { type: 'run' }>): void {
  const started = performance.now();
  let p: ChildProcess;
  try {
    p = spawn(m.command, m.args, { stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    reply({ type: 'done', id: m.id, code: null, stderr: '', error: e instanceof Error ? e.message : String(e), firstOutputMs: -1, stdout: new ArrayBuffer(0) });
    return;
  }
  lower(p.pid);
  running.set(m.id, p);
  const chunks: Buffer[] = [];
  let firstOutputMs = -1;
  let stderr = '';
  let error: string | undefined;
  p.stdout?.on('data', (d: Buffer) => {
    if (firstOutputMs < 0) firstOutputMs = performance.now() - started;
    chunks.push(d);
  });
  p.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  p.on('error', (e) => { error = e.message; });
  p.on('close', (code) => {
    running.delete(m.id);
    const out = Buffer.concat(chunks);
    // A copy we own, transferred (not cloned) back to the main thread.
    const stdout = out.buffer.slice(out.byteOffset, out.byteOffset + out.length);
    reply({ type: 'done', id: m.id, code, stderr, ...(error === undefined ? {} : { error }), firstOutputMs, stdout }, [stdout]);
  });
  // EPIPE when the child exits before reading all its input: its exit code reports the failure.
  p.stdin?.on('error', () => undefined);
  p.stdin?.end(Buffer.from(m.input));
}

parentPort?.on('message', (m: RunnerRequest) => {
  if (m.type === 'run') run(m);
  else running.get(m.id)?.kill('SIGKILL');
});
