import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseUrlPolicy, type UrlPolicy } from '../../kernel/net-policy.js';
import { FakeClock } from '../../testkit/fake-clock.js';
import { tones, wavBytes } from '../../testkit/audio.js';
import { MediaSourceError, urlSource, type UrlSourceOptions } from './index.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Srv {
  readonly url: string;
  readonly port: string;
  readonly paths: string[];
  close(): Promise<void>;
}

async function server(routes: Readonly<Record<string, Handler>>): Promise<Srv> {
  const paths: string[] = [];
  const s = createServer((req, res) => {
    const path = req.url ?? '';
    paths.push(path);
    const h = routes[path] ?? routes['*'];
    if (h) h(req, res);
    else { res.writeHead(404); res.end(); }
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const a = s.address();
  const port = String(typeof a === 'object' && a ? a.port : 0);
  return { url: `http://127.0.0.1:${port}`, port, paths, close: () => new Promise((r) => { s.closeAllConnections(); s.close(() => r()); }) };
}

const WAV = wavBytes(tones([500], 100));
const serveWav: Handler = (_q, res) => { res.writeHead(200, { 'content-type': 'audio/wav' }); res.end(WAV); };
const redirect = (to: string): Handler => (_q, res) => { res.writeHead(302, { location: to }); res.end(); };
const open = (url: string, opts: UrlSourceOptions = {}, signal = new AbortController().signal) => urlSource(url, opts).open(signal);
const isCode = (code: string, re?: RegExp) => (e: unknown): boolean => e instanceof MediaSourceError && e.code === code && (!re || re.test(e.message));

/** A body of `total` bytes in 1 KiB chunks, no Content-Length; resolves whether it was all sent once the response closes. */
function stream(total: number, headers: Record<string, string> = {}): { handler: Handler; finished: Promise<boolean> } {
  let done: (all: boolean) => void = () => undefined;
  const finished = new Promise<boolean>((r) => { done = r; });
  const chunk = Buffer.alloc(1024, 1);
  const handler: Handler = (_q, res) => {
    res.on('close', () => done(res.writableFinished));
    res.writeHead(200, { 'content-type': 'audio/wav', ...headers });
    let sent = 0;
    const pump = (): void => {
      while (sent < total) {
        sent += chunk.length;
        if (!res.write(chunk)) { res.once('drain', pump); return; }
      }
      res.end();
    };
    pump();
  };
  return { handler, finished };
}

test('URL source: WAV over HTTP; MP3 without ffmpeg is a clear typed error; a 404 fails', async () => {
  const srv = await server({
    '/a.wav': serveWav,
    '/a.mp3': (_q, res) => { res.writeHead(200, { 'content-type': 'audio/mpeg' }); res.end('ID3xxxx'); },
  });
  try {
    assert.equal((await open(`${srv.url}/a.wav`)).totalSamples, 800);
    await assert.rejects(open(`${srv.url}/a.mp3`, { ffmpegPath: null }), isCode('MEDIA_MP3_NEEDS_FFMPEG', /ffmpeg/));
    await assert.rejects(open(`${srv.url}/b.wav`), isCode('MEDIA_FETCH_FAILED', /HTTP 404/));
  } finally {
    await srv.close();
  }
});

test('URL source: a body past maxBytes without Content-Length is cut off while it streams (MEDIA_TOO_LARGE)', { timeout: 10_000 }, async () => {
  const big = stream(4 * 1024 * 1024);
  const srv = await server({ '/big.wav': big.handler });
  try {
    await assert.rejects(open(`${srv.url}/big.wav`, { maxBytes: 64 * 1024 }), isCode('MEDIA_TOO_LARGE', /more than 65536 bytes/));
    assert.equal(await big.finished, false, 'the download was aborted before the server sent it all');
  } finally {
    await srv.close();
  }
});

test('URL source: a Content-Length past maxBytes fails before the body is read', { timeout: 10_000 }, async () => {
  const srv = await server({
    // Declares 100 MB and then stalls: only the header can end this request.
    '/huge.wav': (_q, res) => { res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': String(100_000_000) }); res.write(WAV); },
  });
  try {
    await assert.rejects(open(`${srv.url}/huge.wav`, { maxBytes: 1_000_000 }), isCode('MEDIA_TOO_LARGE', /Content-Length 100000000/));
  } finally {
    await srv.close();
  }
});

test('URL source: the whole download has a time limit (fake clock) — MEDIA_FETCH_TIMEOUT', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  let arrived: () => void = () => undefined;
  const requested = new Promise<void>((r) => { arrived = r; });
  const srv = await server({ '/slow.wav': (_q, res) => { res.writeHead(200, { 'content-type': 'audio/wav' }); res.write(WAV.subarray(0, 100)); arrived(); } });
  try {
    const p = open(`${srv.url}/slow.wav`, { clock, timeoutMs: 5000 });
    await requested;
    clock.advance(4999);
    assert.equal(clock.pendingCount, 1);
    clock.advance(1);
    await assert.rejects(p, isCode('MEDIA_FETCH_TIMEOUT', /5000 ms/));
  } finally {
    await srv.close();
  }
});

test('URL source: redirects are followed up to maxRedirects (3), relative ones too; never to a non-http URL', async () => {
  const srv = await server({
    '/r1': redirect('/r2'), '/r2': redirect('/r3'), '/r3': redirect('/a.wav'), '/a.wav': serveWav,
    '/l0': redirect('/l1'), '/l1': redirect('/l2'), '/l2': redirect('/l3'), '/l3': redirect('/l4'), '/l4': serveWav,
    '/file': redirect('file:///etc/passwd'),
  });
  try {
    assert.equal((await open(`${srv.url}/r1`)).totalSamples, 800);
    srv.paths.length = 0;
    await assert.rejects(open(`${srv.url}/l0`), isCode('MEDIA_FETCH_FAILED', /more than 3 redirects/));
    assert.deepEqual(srv.paths, ['/l0', '/l1', '/l2', '/l3']);
    await assert.rejects(open(`${srv.url}/file`), isCode('MEDIA_FETCH_FAILED', /redirects to file:/));
  } finally {
    await srv.close();
  }
});

test('URL policy public: a loopback URL is refused; a redirect from an allowed host to a forbidden one is refused before it connects', async () => {
  const srv = await server({ '/start.wav': (req, res) => redirect(`http://evil.test:${srvPort(req)}/secret.wav`)(req, res), '/ok.wav': serveWav, '/secret.wav': serveWav });
  const asked: string[] = [];
  const policy: UrlPolicy = {
    ...parseUrlPolicy('public', 'media.test'),
    resolve: async (host) => { asked.push(host); return ['127.0.0.1']; },
  };
  try {
    await assert.rejects(open(`${srv.url}/ok.wav`, { urlPolicy: policy }), isCode('URL_FORBIDDEN', /127\.0\.0\.1 is a loopback address/));
    // media.test exists only in the injected resolver: the allowed host is reached through it.
    assert.equal((await open(`http://media.test:${srv.port}/ok.wav`, { urlPolicy: policy })).totalSamples, 800);
    await assert.rejects(open(`http://media.test:${srv.port}/start.wav`, { urlPolicy: policy }), isCode('URL_FORBIDDEN', /evil\.test resolves to a loopback address \(127\.0\.0\.1\)/));
    assert.deepEqual(srv.paths, ['/ok.wav', '/start.wav'], 'the forbidden target got no request');
    assert.deepEqual(asked, ['media.test', 'media.test', 'evil.test']);
  } finally {
    await srv.close();
  }
});

function srvPort(req: IncomingMessage): string {
  return (req.headers.host ?? '').split(':')[1] ?? '';
}
