import { Type, type Static } from '@sinclair/typebox';
import type { Clock } from '../../kernel/clock.js';
import { errorMessage } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/logger.js';
import type { UrlPolicy } from '../../kernel/net-policy.js';
import { CredentialCipherError, type CredentialCipher, type CredentialFields } from '../../speech/credentials-cipher.js';
import { toSpeechCredential } from '../../speech/credentials-lookup.js';
import type { CredentialTestResult, SpeechVendors } from '../../speech/vendor.js';
import type { SpeechCredentialRecord } from '../../store/index.js';
import { assertInScope, getAuth, scopeAccount } from '../auth.js';
import { refuse } from '../checks.js';
import { ApiError } from '../errors.js';
import { Created, errorResponses } from '../schemas/common.js';
import { SpeechCredentialCreate, SpeechCredentialOut, SpeechCredentialTestOut, SpeechCredentialUpdate } from '../schemas/speech-credentials.js';
import type { ApiPlugin, RouteDeps } from '../types.js';
import { fieldErrors, givenFields, mergeFields, normalizeVendor, obscure, obscuredFields, policyErrors, secretValues } from './speech-credential-fields.js';
import { describe, ItemParams, ListParams, PREFIXES, targetAccount, unchanged } from './scope.js';

/** What the SpeechCredentials routes need besides the store. */
export interface SpeechCredentialDeps {
  readonly cipher: CredentialCipher;
  /** `tester(vendor)` checks a credential with one real request (`GET …/test`). */
  readonly vendors: SpeechVendors;
  /** Applies to the tenant-given endpoints of a credential. */
  readonly urlPolicy: UrlPolicy;
  /** How long one test may take (default 10 s). */
  readonly testTimeoutMs?: number;
}

type Out = Static<typeof SpeechCredentialOut>;
type TestOut = Static<typeof SpeechCredentialTestOut>;
const owner = (c: SpeechCredentialRecord): string => c.account_sid;

/** The record as returned: its vendor fields decrypted, secrets obscured. */
function present(c: SpeechCredentialRecord, cipher: CredentialCipher, logger: Logger): Out {
  const base: Out = {
    speech_credential_sid: c.speech_credential_sid, account_sid: c.account_sid, service_provider_sid: null, vendor: c.vendor, label: c.label,
    use_for_tts: c.use_for_tts, use_for_stt: c.use_for_stt, created_at: c.created_at, last_used: c.last_used, last_tested: c.last_tested,
    tts_tested_ok: c.tts_tested_ok, stt_tested_ok: c.stt_tested_ok,
  };
  try {
    return { ...base, ...obscuredFields(cipher.decrypt(c.secret, c.account_sid)) } as Out;
  } catch (e) {
    logger.warn('speech credential does not decrypt; returned without its vendor fields', { speech_credential_sid: c.speech_credential_sid, err: errorMessage(e) });
    return base;
  }
}

/** The stored vendor fields; 422 when they do not decrypt with this gateway's key. */
function decrypt(cipher: CredentialCipher, c: SpeechCredentialRecord): CredentialFields {
  try {
    return cipher.decrypt(c.secret, c.account_sid);
  } catch (e) {
    if (e instanceof CredentialCipherError) throw new ApiError(422, 'the credential cannot be decrypted with this gateway\'s key (VGW_CREDENTIALS_KEY changed?): delete it and add it again');
    throw e;
  }
}

async function checkFields(vendor: string, fields: CredentialFields, uses: { tts: boolean; stt: boolean }, policy: UrlPolicy): Promise<void> {
  const errors = fieldErrors(vendor, fields, uses);
  refuse(errors.length > 0 ? errors : await policyErrors(fields, policy));
}

/** A vendor's error text with every secret of the credential masked out. */
function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join(obscure(s));
  return out;
}

/** One real request through the vendor's tester; a vendor without one answers so, never a fake ok. */
async function runTest(c: SpeechCredentialRecord, fields: CredentialFields, deps: SpeechCredentialDeps): Promise<CredentialTestResult> {
  const tester = deps.vendors.tester(c.vendor);
  if (!tester) {
    const reason = `no credential test is available for ${c.vendor} yet`;
    return { tts: { status: 'not tested', reason }, stt: { status: 'not tested', reason } };
  }
  try {
    return await tester.test({ credential: toSpeechCredential(c, fields), urlPolicy: deps.urlPolicy }, AbortSignal.timeout(deps.testTimeoutMs ?? 10_000));
  } catch (e) {
    const reason = scrub(errorMessage(e), secretValues(fields));
    return { tts: { status: 'fail', reason }, stt: { status: 'fail', reason } };
  }
}

/** jambonz's shape: a side the credential is not used for is `not tested`; reasons never carry a secret. */
function shape(c: SpeechCredentialRecord, r: CredentialTestResult, secrets: readonly string[]): TestOut {
  const side = (used: boolean, s: CredentialTestResult['tts']): TestOut['tts'] => {
    if (!used) return { status: 'not tested', reason: 'not used for this' };
    if (!s) return { status: 'not tested' };
    return s.reason === undefined ? { status: s.status } : { status: s.status, reason: scrub(s.reason, secrets) };
  };
  return { tts: side(c.use_for_tts, r.tts), stt: side(c.use_for_stt, r.stt) };
}

const tested = (s: TestOut['tts']): boolean | undefined => (s.status === 'ok' ? true : s.status === 'fail' ? false : undefined);

async function testRoute(c: SpeechCredentialRecord, deps: SpeechCredentialDeps, store: RouteDeps['store'], clock: Clock): Promise<TestOut> {
  const fields = decrypt(deps.cipher, c);
  const out = shape(c, await runTest(c, fields, deps), secretValues(fields));
  const tts = tested(out.tts);
  const stt = tested(out.stt);
  if (tts !== undefined || stt !== undefined) {
    await store.speechCredentials.recordTest(c.speech_credential_sid, { last_tested: new Date(clock.wallNow()).toISOString(), ...(tts === undefined ? {} : { tts_tested_ok: tts }), ...(stt === undefined ? {} : { stt_tested_ok: stt }) });
  }
  return out;
}

/**
 * `/v1/Accounts/{account_sid}/SpeechCredentials` (and `/v1/SpeechCredentials` for an admin or an
 * account key): create, list, read, update, delete and test (contract §7.2). Another account's
 * credential answers 404 like every account resource.
 */
export function speechCredentialRoutes(deps: SpeechCredentialDeps): ApiPlugin {
  return async (app, { store, clock, logger }) => {
    const { cipher, urlPolicy } = deps;
    for (const { prefix, alias } of PREFIXES) {
      const base = `${prefix}/SpeechCredentials`;
      app.post(base, { schema: { ...describe('SpeechCredentials', 'Add a speech credential (vendor fields encrypted at rest)', alias), params: ListParams, body: SpeechCredentialCreate, response: { 201: Created, ...errorResponses } } }, async (req, reply) => {
        const scope = await scopeAccount(req, store, req.params.account_sid);
        const account_sid = targetAccount(getAuth(req), scope, req.body.account_sid, false) as string;
        const vendor = normalizeVendor(req.body.vendor);
        const uses = { tts: req.body.use_for_tts ?? true, stt: req.body.use_for_stt ?? true };
        const fields = givenFields(req.body);
        await checkFields(vendor, fields, uses, urlPolicy);
        const c = await store.speechCredentials.create({ account_sid, vendor, label: req.body.label || null, use_for_tts: uses.tts, use_for_stt: uses.stt, secret: cipher.encrypt(fields, account_sid) });
        return reply.code(201).send({ sid: c.speech_credential_sid });
      });
      app.get(base, { schema: { ...describe('SpeechCredentials', 'List speech credentials (secrets obscured)', alias), params: ListParams, response: { 200: Type.Array(SpeechCredentialOut), ...errorResponses } } }, async (req) => {
        const scope = await scopeAccount(req, store, req.params.account_sid);
        return (await store.speechCredentials.list(scope === undefined ? {} : { account_sid: scope })).map((c) => present(c, cipher, logger));
      });
      app.get(`${base}/:sid`, { schema: { ...describe('SpeechCredentials', 'Read a speech credential (secrets obscured)', alias), params: ItemParams, response: { 200: SpeechCredentialOut, ...errorResponses } } }, async (req) => {
        const scope = await scopeAccount(req, store, req.params.account_sid);
        return present(assertInScope(await store.speechCredentials.get(req.params.sid), owner, scope, 'speech credential'), cipher, logger);
      });
      app.put(`${base}/:sid`, { schema: { ...describe('SpeechCredentials', 'Update use_for_tts/use_for_stt and vendor options; an obscured secret sent back keeps the stored one', alias), params: ItemParams, body: SpeechCredentialUpdate, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
        const scope = await scopeAccount(req, store, req.params.account_sid);
        const cur = assertInScope(await store.speechCredentials.get(req.params.sid), owner, scope, 'speech credential');
        unchanged('vendor', req.body.vendor === undefined ? undefined : normalizeVendor(req.body.vendor), cur.vendor);
        unchanged('label', req.body.label === undefined ? undefined : req.body.label || null, cur.label);
        unchanged('account_sid', req.body.account_sid ?? undefined, cur.account_sid);
        const uses = { tts: req.body.use_for_tts ?? cur.use_for_tts, stt: req.body.use_for_stt ?? cur.use_for_stt };
        const fields = mergeFields(decrypt(cipher, cur), req.body);
        await checkFields(cur.vendor, fields, uses, urlPolicy);
        await store.speechCredentials.update(cur.speech_credential_sid, { use_for_tts: uses.tts, use_for_stt: uses.stt, secret: cipher.encrypt(fields, cur.account_sid) });
        return reply.code(204).send(null);
      });
      app.delete(`${base}/:sid`, { schema: { ...describe('SpeechCredentials', 'Delete a speech credential', alias), params: ItemParams, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
        const scope = await scopeAccount(req, store, req.params.account_sid);
        const cur = assertInScope(await store.speechCredentials.get(req.params.sid), owner, scope, 'speech credential');
        await store.speechCredentials.delete(cur.speech_credential_sid);
        return reply.code(204).send(null);
      });
      app.get(`${base}/:sid/test`, { schema: { ...describe('SpeechCredentials', 'Check a credential with one real request to the vendor', alias), params: ItemParams, response: { 200: SpeechCredentialTestOut, ...errorResponses } } }, async (req) => {
        const scope = await scopeAccount(req, store, req.params.account_sid);
        const cur = assertInScope(await store.speechCredentials.get(req.params.sid), owner, scope, 'speech credential');
        return testRoute(cur, deps, store, clock);
      });
    }
  };
}
