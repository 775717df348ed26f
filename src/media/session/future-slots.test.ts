import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FutureSlots } from './future-slots.js';
import { RtpSequencer } from '../rtp/sequence.js';

test('future slots: those due after a time, oldest first, only when each of them sent a packet', () => {
  const f = new FutureSlots();
  for (let i = 0; i < 5; i++) f.note(1000 + 20 * i, 0, 100 + i, 160 * i, false).sent = true;
  assert.deepEqual(f.after(1043)?.map((s) => [s.due, s.seq, s.ts]), [[1060, 103, 480], [1080, 104, 640]]);
  assert.equal(f.after(1080), null, 'nothing ahead');
  f.note(1100, 0, 105, 800, false); // a tick that sent nothing (on hold): its packet cannot be rebuilt in place
  assert.equal(f.after(1043), null);
});

test('future slots: a packet that goes early counts by when it goes; advancing moves those after a time', () => {
  const f = new FutureSlots();
  for (let i = 0; i < 4; i++) f.note(1000 + 20 * i, 0, 100 + i, 160 * i, false).sent = true;
  f.advance(1023, 20); // the slots of 1040 and 1060 now go at 1020 and 1040
  assert.deepEqual(f.after(1019)?.map((s) => [s.due, s.early, s.seq]), [[1020, 0, 101], [1040, 20, 102], [1060, 20, 103]]);
  assert.deepEqual(f.after(1020)?.map((s) => s.seq), [103], 'the packet of 1040 goes at 1020: not after it');
  f.note(1080, 20, 104, 640, false).sent = true;
  assert.deepEqual(f.after(1040)?.map((s) => [s.due, s.early]), [[1080, 20]]);
});

test('future slots: only the last 16 ticks are kept', () => {
  const f = new FutureSlots();
  for (let i = 0; i < 40; i++) f.note(20 * i, 0, i, 0, false).sent = true;
  assert.equal(f.after(-1)?.[0].seq, 24);
});

test('sequencer: rewinding goes back to a sequence number and timestamp, wrapping as ever', () => {
  const s = new RtpSequencer(0xfffe, 0xffffff00);
  s.nextSequence();
  s.advanceTimestamp(160);
  s.rewind(0xfffe, 0xffffff00);
  assert.equal(s.nextSequence(), 0xfffe);
  assert.equal(s.nextSequence(), 0xffff);
  assert.equal(s.nextSequence(), 0);
  s.advanceTimestamp(0x200);
  assert.equal(s.timestamp, 0x100);
});
