import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nullLogger } from '../kernel/logger.js';
import type { MediaSession } from '../media/index.js';
import { createDefaultTtsRegistry } from '../speech/index.js';
import { FakeClock } from '../testkit/fake-clock.js';
import { Call } from './call.js';
import type { CancelReason } from './collaborators.js';

/** Just enough of a media session to see whether the call keeps it or closes it. */
function fakeMedia(): { media: MediaSession; closed: () => number } {
  let closes = 0;
  const media = {
    closed: false,
    onDtmf: () => () => undefined,
    close: async () => { closes++; },
  };
  return { media: media as unknown as MediaSession, closed: () => closes };
}

function outboundCall(cancels: CancelReason[] = []): Call {
  const clock = new FakeClock();
  return new Call(
    { sid: 'c1', accountSid: 'a1', direction: 'outbound', from: '1', to: '2' },
    { clock, logger: nullLogger, tts: createDefaultTtsRegistry({ clock }), sipAddress: '127.0.0.1:5060', publicAddress: '127.0.0.1', alert: () => undefined },
    { signalling: { direction: 'outbound', cancel: (why) => cancels.push(why) } },
  );
}

test('issue 12 item 9: media handed to a call that has already ended is refused and closed, not kept ticking', async () => {
  const call = outboundCall();
  call.failed('no-answer', 487, 'Request Terminated', 'caller');
  const m = fakeMedia();
  assert.equal(call.attachMedia(m.media), false);
  await Promise.resolve();
  assert.equal(m.closed(), 1);
  assert.equal(call.mediaSession, undefined);
});

test('a live call keeps its media and closes it once when it ends', async () => {
  const call = outboundCall();
  const m = fakeMedia();
  assert.equal(call.attachMedia(m.media), true);
  assert.equal(call.attachMedia(fakeMedia().media), false, 'a second session is refused');
  call.failed('busy', 486, 'Busy Here');
  await Promise.resolve();
  assert.equal(m.closed(), 1);
});

test('hanging up an unanswered outbound call cancels its INVITE through the signalling it was built with', async () => {
  const cancels: CancelReason[] = [];
  const call = outboundCall(cancels);
  await call.hangup();
  call.cancel('api');
  assert.deepEqual(cancels, ['hangup', 'api']);
});
