import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamTotals } from '../call/audio-stream/index.js';
import { GatewayMetrics } from './metrics.js';

test('issue 15: /metrics reports listen streams: open now, frames sent, frames dropped by back-pressure', async () => {
  const m = new GatewayMetrics(() => 0);
  const totals = new StreamTotals();
  m.watchStreams(totals);
  totals.opened();
  totals.opened();
  totals.closed();
  for (let i = 0; i < 5; i++) totals.frame(true);
  totals.frame(false);
  const text = await m.registry.metrics();
  assert.match(text, /^vgw_audio_streams_active 1$/m);
  assert.match(text, /^vgw_audio_stream_frames_sent 5$/m);
  assert.match(text, /^vgw_audio_stream_frames_dropped 1$/m);
});
