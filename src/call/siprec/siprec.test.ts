import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSdp, serializeSdp } from '../../sdp/index.js';
import { LiveFeed } from './feed.js';
import { newMetadataIds, recordingMetadata } from './metadata.js';
import { parseRecordRequest, RecordError } from './recorder.js';
import { answerSdp, applyRecordingAnswer, multipartBody, multipartParts, recordingOffer } from './sdp.js';

const refused = (data: unknown, path: string, code = 'RECORD_INVALID'): void => {
  assert.throws(() => parseRecordRequest(data), (e: unknown) => e instanceof RecordError && e.path === path && e.code === code, JSON.stringify(data));
};

describe('SIPREC (RFC 7866) record requests, metadata and SDP', () => {
  it('record requests: the action is required, a start needs a sip:/sips: server, custom headers only; cloud is refused as unsupported', () => {
    assert.deepEqual(parseRecordRequest({ action: 'stopCallRecording' }), { action: 'stopCallRecording' });
    const start = parseRecordRequest({ action: 'startCallRecording', siprecServerURL: 'sips:srs@rec.example:5061', recordingID: 'r1', headers: { 'X-A': 'b' } });
    assert.equal(start.server?.scheme, 'sips');
    assert.equal(start.server?.host, 'rec.example');
    assert.equal(start.server?.port, 5061);
    assert.equal(start.recordingId, 'r1');
    assert.deepEqual(start.headers, [{ name: 'X-A', value: 'b' }]);
    assert.equal(parseRecordRequest({ action: 'startCallRecording', siprecServerURL: '10.0.0.5:5080' }).server?.host, '10.0.0.5');
    refused(null, 'record');
    refused({}, 'record.action');
    refused({ action: 'record' }, 'record.action');
    refused({ action: 'startCallRecording' }, 'record.siprecServerURL');
    refused({ action: 'startCallRecording', siprecServerURL: 'http://rec.example/' }, 'record.siprecServerURL');
    refused({ action: 'startCallRecording', siprecServerURL: 'sip:srs@rec.example', headers: { 'Call-ID': 'x' } }, 'record.headers');
    refused({ action: 'startCallRecording', siprecServerURL: 'sip:srs@rec.example', headers: { 'X-A': 1 } }, 'record.headers.X-A');
    refused({ action: 'startCallRecording', type: 'cloud' }, 'record.type', 'RECORD_UNSUPPORTED');
    refused({ action: 'stopCallRecording', type: 'tape' }, 'record.type');
  });

  it('the offer has one sendonly G.711 stream per label; the answer is applied per stream; a missing stream is refused', () => {
    const offer = recordingOffer('192.0.2.1', [{ label: '1', port: 40000 }, { label: '2', port: 40002 }], 'sendonly');
    const text = serializeSdp(offer);
    assert.deepEqual(offer.media.map((m) => m.port), [40000, 40002]);
    assert.equal((text.match(/^a=sendonly/gm) ?? []).length, 2);
    assert.match(text, /a=label:1[\s\S]*a=label:2/);
    assert.doesNotMatch(text, /telephone-event/);
    const answer = parseSdp('v=0\r\no=s 1 1 IN IP4 198.51.100.9\r\ns=-\r\nc=IN IP4 198.51.100.9\r\nt=0 0\r\nm=audio 5000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=recvonly\r\nm=audio 5002 RTP/AVP 0\r\na=recvonly\r\n');
    const media = applyRecordingAnswer(offer, answer);
    assert.deepEqual(media.map((m) => [m.remotePort, m.codec, m.direction]), [[5000, 'PCMA', 'sendonly'], [5002, 'PCMU', 'sendonly']]);
    assert.throws(() => applyRecordingAnswer(offer, { ...answer, media: answer.media.slice(0, 1) }), /answered 1 of 2 streams/);
    const paused = recordingOffer('192.0.2.1', [{ label: '1', port: 40000 }, { label: '2', port: 40002 }], 'inactive', offer);
    assert.equal(paused.origin.sessionId, offer.origin.sessionId);
    assert.equal(BigInt(paused.origin.sessionVersion), BigInt(offer.origin.sessionVersion) + 1n);
  });

  it('multipart/mixed bodies round-trip; an answer SDP is found inside one', () => {
    const { contentType, body } = multipartBody([{ contentType: 'application/sdp', body: 'v=0\r\n' }, { contentType: 'application/rs-metadata+xml', disposition: 'recording-session', body: '<recording/>' }]);
    const parts = multipartParts(contentType, body);
    assert.deepEqual(parts, [
      { contentType: 'application/sdp', disposition: undefined, body: 'v=0' },
      { contentType: 'application/rs-metadata+xml', disposition: 'recording-session', body: '<recording/>' },
    ]);
    assert.equal(multipartParts('application/sdp', 'v=0'), undefined);
    const sdp = 'v=0\r\no=s 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n';
    const wrapped = multipartBody([{ contentType: 'application/sdp', body: sdp }, { contentType: 'application/rs-metadata+xml', body: '<recording/>' }]);
    assert.equal(answerSdp(wrapped.contentType, wrapped.body).media[0].port, 5000);
    assert.equal(answerSdp('application/sdp', sdp).media[0].port, 5000);
  });

  it('the metadata names both participants and which stream each sends and receives, escaped', () => {
    const ids = newMetadataIds(['1', '2']);
    const xml = recordingMetadata({
      sessionId: 'c2Vzc2lvbg==', sipCallId: 'abc@host', ids, associatedAt: '2026-12-05T00:00:00.000Z',
      participants: [{ aor: 'sip:+1555@gw', sends: '1' }, { aor: 'sip:a&b@gw', sends: '2' }],
    });
    assert.match(xml, /<recording xmlns="urn:ietf:params:xml:ns:recording:1">/);
    assert.match(xml, /<sipSessionID>abc@host<\/sipSessionID>/);
    assert.match(xml, /aor="sip:a&amp;b@gw"/);
    const assoc = [...xml.matchAll(/<participantstreamassoc participant_id="([^"]+)">\s*<send>([^<]+)<\/send>\s*<recv>([^<]+)<\/recv>/g)].map((m) => [m[1], m[2], m[3]]);
    assert.deepEqual(assoc, [[ids.participants[0], ids.streams['1'], ids.streams['2']], [ids.participants[1], ids.streams['2'], ids.streams['1']]]);
    assert.match(xml, new RegExp(`<stream stream_id="${ids.streams['1'].replace(/[+/=]/g, '\\$&')}" session_id="c2Vzc2lvbg==">\\s*<label>1</label>`));
  });

  it('a live feed gives frames in order, silence when empty, drops the oldest past 8 frames, and 0 once ended', () => {
    const feed = new LiveFeed('t');
    const out = new Int16Array(160);
    assert.equal(feed.read(out), 160);
    assert.equal(out[0], 0);
    for (let i = 1; i <= 10; i++) feed.push(new Int16Array(160).fill(i));
    assert.equal(feed.dropped, 2);
    feed.read(out);
    assert.equal(out[0], 3);
    feed.push(new Int16Array(80).fill(9), 80);
    for (let i = 0; i < 7; i++) feed.read(out);
    feed.read(out);
    assert.deepEqual([out[0], out[79], out[80]], [9, 9, 0]);
    feed.end();
    assert.equal(feed.read(out), 0);
  });
});
