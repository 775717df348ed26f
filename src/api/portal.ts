import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where `npm run build:portal` puts the portal: `dist/portal`, beside the compiled server. */
export const PORTAL_DIST = fileURLToPath(new URL('../portal/', import.meta.url));

/** Hashed bundles live here; everything else that is not a file is the single page app. */
export const PORTAL_ASSETS = '/portal-assets/';

/** Paths the gateway owns: never answered with the portal's index.html. */
const RESERVED = ['/v1', '/docs', '/openapi.json', '/health', '/metrics', '/demo', '/portal-assets'];

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** The page's own origin only: no CDN, no inline script, no framing. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

interface Asset {
  readonly body: Buffer;
  readonly gzip?: Buffer;
  readonly type: string;
  readonly etag: string;
}

function load(file: string): Asset {
  const body = readFileSync(file);
  const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  const zipped = /^(text|application\/json|image\/svg)/.test(type) && body.length > 512 ? gzipSync(body, { level: 9 }) : undefined;
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { body, type, etag, ...(zipped && zipped.length < body.length ? { gzip: zipped } : {}) };
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

function send(req: FastifyRequest, reply: FastifyReply, a: Asset, cacheControl: string): FastifyReply {
  reply.header('content-type', a.type).header('cache-control', cacheControl).header('etag', a.etag).header('vary', 'accept-encoding').header('x-content-type-options', 'nosniff');
  if (req.headers['if-none-match'] === a.etag) return reply.code(304).send();
  const gzip = a.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  if (gzip) reply.header('content-encoding', 'gzip');
  return reply.code(200).send(gzip ? a.gzip : a.body);
}

const NOT_BUILT = Buffer.from(
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Portal not built</title></head><body><h1>The portal is not built</h1>' +
    '<p>Run <code>npm run build</code> (or <code>npm run build:portal</code>) and restart the gateway. The REST API is at <a href="/docs">/docs</a>.</p></body></html>',
);

/**
 * Serves the self-service portal (issue 8): `GET /` and every client-side route answer the
 * built index.html (no-cache), hashed bundles under `/portal-assets/` are immutable for a year.
 * No authentication: the page itself holds no data; it calls `/v1` with the user's key. Unknown
 * paths under the gateway's own prefixes, and paths that look like files, stay JSON 404s.
 * The files are read once, here; a rebuilt portal needs a restart.
 */
export function registerPortal(app: FastifyInstance, distDir: string = PORTAL_DIST): void {
  const assets = new Map<string, Asset>();
  let index: Asset | undefined;
  if (existsSync(join(distDir, 'index.html'))) {
    for (const file of walk(distDir)) {
      const url = `/${relative(distDir, file).split(sep).join('/')}`;
      if (url === '/index.html') index = load(file);
      else if (url.startsWith(PORTAL_ASSETS)) assets.set(url, load(file));
    }
  }
  const notFound = (reply: FastifyReply): FastifyReply => reply.code(404).send({ msg: 'not found' });

  app.get(`${PORTAL_ASSETS}*`, { schema: { hide: true } }, async (req, reply) => {
    const a = assets.get(req.url.split('?')[0]);
    return a ? send(req, reply, a, 'public, max-age=31536000, immutable') : notFound(reply);
  });

  const page = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const path = req.url.split('?')[0];
    if (RESERVED.some((p) => path === p || path.startsWith(`${p}/`))) return notFound(reply);
    if (/\.[A-Za-z0-9]+$/.test(path)) return notFound(reply);
    reply.header('content-security-policy', CSP).header('x-frame-options', 'DENY').header('referrer-policy', 'no-referrer');
    if (!index) return reply.code(503).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT);
    return send(req, reply, index, 'no-cache');
  };
  app.get('/', { schema: { hide: true } }, page);
  app.get('/*', { schema: { hide: true } }, page);
}
