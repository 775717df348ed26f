import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../kernel/clock.js';
import { nullLogger } from '../kernel/logger.js';
import { TtsError, type TtsRequest, type TtsResult } from '../speech/index.js';
import { recordingName } from './call.js';
import { HELLO_TEXT, SimulatorPrompts, trimSilence, VOICEMAIL_TEXT, type SimulatorTts } from './prompts.js';

/** A TTS that returns 100 ms of silence, `ms` of a square wave, 100 ms of silence, and counts requests. */
function fakeTts(ms: number, fail = false): SimulatorTts & { requests: string[] } {
  const requests: string[] = [];
  return {
    requests,
    synthesize(req: TtsRequest): Promise<TtsResult> {
      requests.push(req.text);
      if (fail) return Promise.reject(new TtsError('TTS_FAILED', 'no espeak-ng'));
      const samples = new Int16Array(1600 + ms * 8);
      for (let i = 800; i < 800 + ms * 8; i++) samples[i] = i % 16 < 8 ? 4000 : -4000;
      return Promise.resolve({ samples, sampleRate: 8000, vendor: 'fake', firstAudioMs: 0, cached: false });
    },
  };
}

const prompts = (tts: SimulatorTts): SimulatorPrompts => new SimulatorPrompts({ clock: systemClock, logger: nullLogger, cacheDir: '/nonexistent', tts });

test('trimSilence drops leading and trailing near-silence, keeping a 20 ms tail', () => {
  const pcm = new Int16Array(3000);
  pcm.fill(1000, 1000, 2000);
  pcm[10] = 50;
  const t = trimSilence(pcm);
  assert.equal(t.length, 1000 + 160);
  assert.equal(t[0], 1000);
  assert.equal(trimSilence(new Int16Array(500)).length, 0);
});

test('"Hello?" is synthesised once per process, without the synthesiser\'s silence', async () => {
  const tts = fakeTts(400);
  const p = prompts(tts);
  const [a, b] = await Promise.all([p.hello(), p.hello()]);
  assert.equal(a, b);
  assert.equal((await p.hello()).length, 400 * 8 + 160);
  assert.deepEqual(tts.requests, [HELLO_TEXT]);
});

test('voicemail = greeting, the gap of silence, then the bundled 500 ms 1 kHz beep', async () => {
  const tts = fakeTts(1000);
  const vm = await prompts(tts).voicemail(300);
  const greeting = 1000 * 8 + 160;
  assert.equal(vm.length, greeting + 300 * 8 + 4000);
  assert.ok(vm.subarray(greeting, greeting + 2400).every((s) => s === 0), 'silence before the beep');
  const beep = vm.subarray(greeting + 2400);
  let crossings = 0;
  for (let i = 1; i < beep.length; i++) if ((beep[i - 1] < 0) !== (beep[i] < 0)) crossings++;
  assert.ok(Math.abs(crossings - 1000) < 10, `${crossings} zero crossings in 0.5 s ≈ 1 kHz`);
  assert.deepEqual(tts.requests, [VOICEMAIL_TEXT]);
});

test('when TTS fails the bundled recordings stand in', async () => {
  const p = prompts(fakeTts(0, true));
  const hello = await p.hello();
  assert.ok(hello.length > 8000, 'bundled hello_8k.wav');
  const vm = await p.voicemail();
  assert.ok(vm.length > 5 * 8000, 'bundled greeting with its beep');
});

test('recording names keep Call-IDs readable and safe as file names', () => {
  assert.equal(recordingName('a1b2@127.0.0.1'), 'a1b2@127.0.0.1.wav');
  assert.equal(recordingName('../x/y z'), '.._x_y_z.wav');
});
