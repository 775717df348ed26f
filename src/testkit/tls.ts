/**
 * Test certificates made at test time with the Debian `openssl` command (nothing checked in):
 * a CA, a server certificate it signs for 127.0.0.1 / localhost, a client certificate it signs,
 * and a self-signed certificate no CA vouches for.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PemPair {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
}

export interface TestPki {
  readonly dir: string;
  readonly caFile: string;
  readonly ca: string;
  /** Signed by the CA for IP 127.0.0.1 and DNS localhost. */
  readonly server: PemPair;
  /** Signed by the CA (CN test-carrier), for client authentication. */
  readonly client: PemPair;
  /** Self-signed for 127.0.0.1 / localhost (CN self-signed). */
  readonly selfSigned: PemPair;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function pair(dir: string, name: string): PemPair {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  return { certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

/** A leaf certificate signed by the CA in `dir`. */
function signed(dir: string, name: string, cn: string, ext: string): PemPair {
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(['req', '-new', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`], dir);
  return pair(dir, name);
}

/** Makes a fresh CA, server, client and self-signed certificate in a temp dir (~100 ms). */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'vgw-pki-'));
  openssl(['req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=vgw test CA'], dir);
  const san = 'subjectAltName=IP:127.0.0.1,DNS:localhost\n';
  const server = signed(dir, 'server', 'vgw test server', `${san}extendedKeyUsage=serverAuth,clientAuth\n`);
  const client = signed(dir, 'client', 'test-carrier', `${san}extendedKeyUsage=clientAuth,serverAuth\n`);
  openssl(['req', '-x509', ...EC, '-keyout', 'self.key', '-out', 'self.crt', '-days', '2', '-subj', '/CN=self-signed', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], dir);
  const caFile = join(dir, 'ca.crt');
  return { dir, caFile, ca: readFileSync(caFile, 'utf8'), server, client, selfSigned: pair(dir, 'self') };
}

export interface OpensslExchange {
  /** Everything the server sent before the connection closed or `waitFor` matched. */
  readonly received: string;
  /** s_client's stderr (handshake errors). */
  readonly errors: string;
}

/**
 * Sends `request` over TLS with `openssl s_client` (an independent TLS peer) and collects what
 * comes back until `waitFor` matches it or `ms` pass.
 */
export function opensslExchange(port: number, request: string, o: { waitFor: RegExp; ms?: number; cert?: PemPair; caFile?: string }): Promise<OpensslExchange> {
  const args = ['s_client', '-connect', `127.0.0.1:${port}`, '-quiet', '-ign_eof', ...(o.cert ? ['-cert', o.cert.certFile, '-key', o.cert.keyFile] : []), ...(o.caFile ? ['-CAfile', o.caFile] : [])];
  const child = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let received = '';
  let errors = '';
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      child.kill('SIGTERM');
      resolve({ received, errors });
    };
    const timer = setTimeout(done, o.ms ?? 5000);
    child.stdout.on('data', (d: Buffer) => {
      received += d.toString('latin1');
      if (o.waitFor.test(received)) done();
    });
    child.stderr.on('data', (d: Buffer) => { errors += d.toString(); });
    child.on('exit', done);
    child.stdin.on('error', (e) => { errors += `stdin: ${e.message}\n`; });
    child.stdin.write(request);
  });
}
