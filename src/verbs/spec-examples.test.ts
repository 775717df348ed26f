/**
 * Issue 14 acceptance 6: every example verb in `@jambonz/verb-specifications`' own tests that uses
 * a verb we implement validates. The examples are not copied: the package's test file is
 * evaluated in a sandbox whose `tape` and `..` are stand-ins that collect every list the tests
 * hand to `validate`. An example counts when the package's own validator accepts it (its tests
 * also feed it invalid lists on purpose).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { parseVerbList } from './parse.js';
import { validate } from './schema.js';
import { coreVerbs } from './verbs/index.js';
import { transcribeSchema } from './verbs/transcribe-schema.js';

const requireFromHere = createRequire(import.meta.url);
const SPEC_PACKAGE = '@jambonz/verb-specifications';

interface SpecValidator {
  validate(logger: unknown, verbs: unknown): void;
  normalizeJambones(logger: unknown, verbs: unknown): Array<Record<string, unknown>>;
}

const real = requireFromHere(SPEC_PACKAGE) as SpecValidator;
const quietLogger = { info: (): void => undefined, debug: (): void => undefined, error: (): void => undefined };

/** Runs the package's test files with stand-ins; returns every verb list handed to `validate`. */
async function collectExamples(): Promise<unknown[][]> {
  const testDir = join(dirname(requireFromHere.resolve(`${SPEC_PACKAGE}/package.json`)), 'test');
  const lists: unknown[][] = [];
  const cases: Array<(t: unknown) => unknown> = [];
  const fakeT = new Proxy({}, { get: () => (): void => undefined });
  const stand = {
    tape: (_name: string, fn: (t: unknown) => unknown) => cases.push(fn),
    spec: {
      validate: (_logger: unknown, verbs: unknown): void => {
        if (Array.isArray(verbs)) lists.push(verbs as unknown[]);
        real.validate(quietLogger, verbs);
      },
      normalizeJambones: (_logger: unknown, verbs: unknown) => real.normalizeJambones(quietLogger, verbs),
    },
  };
  const sandboxRequire = (id: string): unknown => {
    if (id === 'tape') return stand.tape;
    if (id === 'pino') return () => quietLogger;
    if (id === '..') return stand.spec;
    throw new Error(`the package's tests require ${id}: add a stand-in`);
  };
  // index.js only requires the others.
  const files = readdirSync(testDir).filter((f) => f.endsWith('.js') && f !== 'index.js').sort();
  for (const file of files) {
    const source = readFileSync(join(testDir, file), 'utf8');
    runInNewContext(source, { require: sandboxRequire, process: { env: {} }, console });
  }
  for (const fn of cases) {
    try {
      await fn(fakeT);
    } catch {
      // A case that expects `validate` to throw: its list is still collected above.
    }
  }
  return lists;
}

/** `{verb:'x', …}` or `{x: {…}}` → the verb's name as written. */
function verbName(item: unknown): string {
  const o = item as Record<string, unknown>;
  return typeof o.verb === 'string' ? o.verb : Object.keys(o)[0];
}

function specAccepts(item: unknown): boolean {
  try {
    real.validate(quietLogger, [item]);
    return true;
  } catch {
    return false;
  }
}

test('issue 14 acceptance 6: every spec-valid example of a verb we implement is accepted', async (t) => {
  const lists = await collectExamples();
  const items = lists.flat();
  assert.ok(items.length >= 50, `the package's tests give many examples (${items.length})`);
  const registry = coreVerbs();
  const checked: string[] = [];
  const skipped = new Map<string, number>();
  const failures: string[] = [];
  for (const item of items) {
    const name = verbName(item);
    if (!specAccepts(item)) {
      skipped.set(`${name} (invalid in the spec's own validator)`, (skipped.get(`${name} (invalid in the spec's own validator)`) ?? 0) + 1);
      continue;
    }
    if (!registry.get(name)) {
      if (name === 'transcribe') {
        // Registered by the speech core; its schema is ours already.
        const { verb: _verb, ...props } = item as Record<string, unknown>;
        try {
          validate(transcribeSchema, props, 'transcribe');
          checked.push(name);
        } catch (e) {
          failures.push(`${JSON.stringify(item)} → ${(e as Error).message}`);
        }
        continue;
      }
      skipped.set(name, (skipped.get(name) ?? 0) + 1);
      continue;
    }
    try {
      parseVerbList([item], registry);
      checked.push(name);
    } catch (e) {
      failures.push(`${(e as Error).message}   in ${JSON.stringify(item)}`);
    }
  }
  t.diagnostic(`checked ${checked.length} examples: ${[...new Set(checked)].sort().join(', ')}`);
  t.diagnostic(`skipped (not our verb, or invalid in the spec's own validator): ${[...skipped].map(([n, c]) => `${n} ×${c}`).sort().join(', ')}`);
  assert.deepEqual(failures, []);
  for (const verb of ['say', 'play', 'gather', 'config', 'dial', 'hangup', 'sip:decline', 'sip:refer', 'sip:request', 'tag', 'transcribe']) {
    assert.ok(checked.includes(verb), `an example of ${verb} was checked`);
  }
});
