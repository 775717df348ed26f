import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getPriority } from 'node:os';
import { ProcessRunError, ProcessRunner } from './process-runner.js';

/** Child processes started from this thread (libuv's handle for one is a ProcessWrap). */
const ownChildren = (): number => process.getActiveResourcesInfo().filter((r) => r === 'ProcessWrap').length;

test('a process runs on the runner\'s thread: its stdin, stdout, exit code and stderr come back; this thread forks nothing', async () => {
  const runner = new ProcessRunner();
  try {
    const pending = runner.run('sh', ['-c', 'sleep 0.2; cat; echo oops >&2; exit 3'], 'hello from stdin');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(ownChildren(), 0, 'the child is not a handle of this thread');
    const r = await pending;
    assert.equal(r.code, 3);
    assert.equal(r.stdout.toString(), 'hello from stdin');
    assert.equal(r.stderr.trim(), 'oops');
    assert.ok(r.firstOutputMs >= 150, `first output after ${r.firstOutputMs} ms (the child slept 200 ms first)`);
    const big = Buffer.alloc(3 << 20, 7);
    const echoed = await runner.run('cat', [], big);
    assert.equal(Buffer.compare(echoed.stdout, big), 0, 'megabytes both ways');
  } finally {
    await runner.close();
  }
});

test('a child runs 10 steps nicer than the gateway, so a burst of syntheses cannot starve the media thread (issue 13 §3)', async () => {
  const runner = new ProcessRunner();
  try {
    // `nice` prints the niceness it runs at; the short sleep lets the runner lower it first.
    const r = await runner.run('sh', ['-c', 'sleep 0.3; nice'], '');
    assert.equal(r.stdout.toString().trim(), String(Math.min(19, getPriority() + 10)));
  } finally {
    await runner.close();
  }
});

test('a command that cannot start rejects with PROCESS_START_FAILED; an abort kills the process and rejects with PROCESS_ABORTED', async () => {
  const runner = new ProcessRunner();
  try {
    await assert.rejects(runner.run('/nonexistent/command', [], ''), (e: unknown) => e instanceof ProcessRunError && e.code === 'PROCESS_START_FAILED' && /ENOENT/.test(e.message));
    const ac = new AbortController();
    const slow = runner.run('sh', ['-c', 'echo started; sleep 30'], '', ac.signal);
    setTimeout(() => ac.abort(), 100);
    await assert.rejects(slow, (e: unknown) => e instanceof ProcessRunError && e.code === 'PROCESS_ABORTED');
    // The runner goes on working after a kill.
    assert.equal((await runner.run('echo', ['-n', 'still here'], '')).stdout.toString(), 'still here');
    await assert.rejects(runner.run('echo', [], '', AbortSignal.abort()), (e: unknown) => e instanceof ProcessRunError && e.code === 'PROCESS_ABORTED');
  } finally {
    await runner.close();
  }
});

test('an idle runner does not keep the process alive (a process that only created one exits by itself)', async () => {
  const url = new URL('./process-runner.js', import.meta.url).href;
  const runner = new ProcessRunner();
  try {
    // A child that never exits is killed after 20 s: the run then rejects with PROCESS_ABORTED.
    const r = await runner.run(process.execPath, ['--input-type=module', '-e', `const { ProcessRunner } = await import(${JSON.stringify(url)}); new ProcessRunner(); console.log('created');`], '', AbortSignal.timeout(20_000));
    assert.equal(r.stdout.toString().trim(), 'created');
    assert.equal(r.code, 0);
  } finally {
    await runner.close();
  }
});
