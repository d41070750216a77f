/**
 * The conformance suite: every golden case of every supported Keras version (golden/keras-<version>/,
 * docs/golden-format.md) on every backend, replayed by that version's ops, one test per case and backend,
 * titled after the case id: `conv 2d same s2 d1 channels_first [reference]`, under `Keras 3.15.1`.
 * `--grep` selects by that title.
 *
 * KERAS_PARITY_BACKENDS=reference,tfjs-cpu runs exactly those backends and fails when one cannot start
 * (strict mode, for CI); without it every registered backend runs, and one that cannot start shows as
 * pending with its reason. KERAS_PARITY_GOLDEN_DIR reads goldens from another directory (one set, or a
 * folder of keras-<version>/ sets); KERAS_PARITY_KERAS=3.15.1 runs one version only.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { getBackend, listBackends, setBackend, type BackendInfo } from '../src/index.js';
import { KERAS_VERSIONS, isKerasVersion } from '../src/keras-versions.js';
import { opsAt } from '../src/ops/table.js';
import {
  GoldenError,
  MANIFEST,
  caseTitle,
  entryProblems,
  exclusionFor,
  formatFailure,
  loadGolden,
  opsOf,
  runCase,
  type GoldenCase,
  type GoldenSet,
} from '../src/golden/index.js';
import { directorySource, goldenSetDirs, type GoldenSetDir } from '../src/golden/node.js';
import { EXCLUSIONS } from '../src/golden/exclusions.js';
import { TOLERANCES } from '../src/golden/tolerances.js';
import { ConformanceFailure } from './helpers.js';

const GOLDEN_DIR = process.env.KERAS_PARITY_GOLDEN_DIR ?? fileURLToPath(new URL('../golden/', import.meta.url));
const ONLY_KERAS = process.env.KERAS_PARITY_KERAS;
const requirements = (keras: string) => fileURLToPath(new URL(`../tools/requirements/keras-${keras}.txt`, import.meta.url));

const demanded = process.env.KERAS_PARITY_BACKENDS?.split(',').map((s) => s.trim()).filter(Boolean);
const backends = selectBackends(await listBackends());
const found = goldenSetDirs(GOLDEN_DIR);
/** Every supported version's set (a missing one fails), or the sets of another folder as they are. */
const sets: GoldenSetDir[] = (
  process.env.KERAS_PARITY_GOLDEN_DIR ? found : KERAS_VERSIONS.map((keras) => found.find((s) => s.keras === keras) ?? { keras, dir: `${GOLDEN_DIR}keras-${keras}` })
).filter((s) => !ONLY_KERAS || s.keras === ONLY_KERAS);
const loaded = sets.map((s) => ({ ...s, source: directorySource(s.dir), golden: loadOrError(directorySource(s.dir)) }));

function loadOrError(source: ReturnType<typeof directorySource>): GoldenSet | GoldenError {
  if (source.read(MANIFEST) === undefined) return new GoldenError(source.label(MANIFEST), 'missing');
  try {
    return loadGolden(source);
  } catch (e) {
    if (e instanceof GoldenError) return e;
    throw e;
  }
}

/** The demanded backends (an unregistered one reported unavailable), or every registered one. */
function selectBackends(registered: BackendInfo[]): BackendInfo[] {
  if (!demanded) return registered;
  return demanded.map(
    (name) => registered.find((b) => b.name === name) ?? { name, available: false, reason: 'no such backend is registered' },
  );
}

describe('conformance with the Keras goldens', () => {
  it(`finds a golden set${ONLY_KERAS ? ` of Keras ${ONLY_KERAS}` : ''} in ${GOLDEN_DIR}`, () => {
    if (!sets.length) throw new ConformanceFailure(`no golden set${ONLY_KERAS ? ` of Keras ${ONLY_KERAS}` : ''} in ${GOLDEN_DIR}`);
  });

  it('names cases of the golden sets in every tolerance and exclusion entry, each with a reason', () => {
    const cases = loaded.flatMap(({ golden }) => (golden instanceof GoldenError ? [] : golden.ops.flatMap((op) => op.cases)));
    // Another folder's sets, or one version, need not hold every case an entry names.
    if (process.env.KERAS_PARITY_GOLDEN_DIR || ONLY_KERAS || loaded.some(({ golden }) => golden instanceof GoldenError)) return;
    const problems = [
      ...entryProblems(TOLERANCES, cases).map((p) => `tolerances.ts: ${p}`),
      ...entryProblems(EXCLUSIONS, cases).map((p) => `exclusions.ts: ${p}`),
    ];
    if (problems.length) throw new ConformanceFailure(problems.join('\n'));
  });

  for (const { keras, source, golden } of loaded) {
    describe(`Keras ${keras}`, () => {
      if (golden instanceof GoldenError) {
        it(`${source.label(MANIFEST)} is usable`, () => {
          throw new ConformanceFailure(
            `${golden.message}${source.read(MANIFEST) ? '' : ': generate the goldens with `npm run golden` (docs/golden-format.md)'}`,
          );
        });
        return;
      }
      describeGoldenFiles(golden, keras);
      for (const backend of backends) describeBackend(backend, golden);
    });
  }
});

function describeGoldenFiles(set: GoldenSet, keras: string) {
  describe('golden files', () => {
    for (const error of set.broken) {
      it(`${error.file} is usable`, () => {
        throw new ConformanceFailure(error.message);
      });
    }

    it(`were generated by the pinned versions (tools/requirements/keras-${keras}.txt)`, () => {
      if (!isKerasVersion(keras)) throw new ConformanceFailure(`Keras ${keras} is not a supported version (${KERAS_VERSIONS.join(', ')})`);
      expect(set.manifest.versions.keras, 'keras').to.equal(keras);
      for (const [name, version] of pinnedVersions(keras)) {
        if (name in set.manifest.versions) expect(set.manifest.versions[name], name).to.equal(version);
      }
    });

    it(`cover every op of Keras ${keras} in the op table, and no other`, () => {
      if (!isKerasVersion(keras)) return;
      const golden = opsOf(set.manifest);
      const missing = opsAt(keras).filter((op) => !golden.includes(op));
      const unknown = golden.filter((op) => !(opsAt(keras) as string[]).includes(op));
      const problems = [
        ...(missing.length ? [`no goldens for ${missing.join(', ')}`] : []),
        ...(unknown.length ? [`goldens for ops not in the op table: ${unknown.join(', ')}`] : []),
      ];
      if (problems.length) throw new ConformanceFailure(problems.join('\n'));
    });
  });
}

/** `keras==3.6.0` lines; extras dropped and `tensorflow-cpu` read as tensorflow, as the manifest names them. */
function pinnedVersions(keras: string): [string, string][] {
  return readFileSync(requirements(keras), 'utf8')
    .split('\n')
    .map((line) => /^\s*([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*==\s*([^\s#;]+)/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1].toLowerCase().replace(/-cpu$/, ''), m[3]]);
}

function describeBackend(backend: BackendInfo, set: GoldenSet) {
  describe(backend.name, () => {
    if (!backend.available) {
      const title = `${backend.name} is unavailable: ${backend.reason ?? 'no reason given'}`;
      if (demanded) {
        it(title, () => {
          throw new ConformanceFailure(`${title} (demanded by KERAS_PARITY_BACKENDS)`);
        });
      } else {
        it(title);
      }
      return;
    }
    let previous: string;
    before(async () => {
      previous = getBackend();
      await setBackend(backend.name);
    });
    after(async () => {
      await setBackend(previous);
    });
    for (const op of set.ops) {
      describe(op.op, () => {
        for (const c of op.cases) describeCase(c, backend.name);
      });
    }
  });
}

function describeCase(c: GoldenCase, adapter: string) {
  const title = caseTitle(c.id, adapter);
  const exclusion = exclusionFor(EXCLUSIONS, c, adapter);
  if (exclusion) {
    it(`${title} (excluded: ${exclusion.why})`);
    return;
  }
  it(title, async () => {
    const result = await runCase(c, adapter, TOLERANCES);
    if (!result.ok) throw new ConformanceFailure(formatFailure(c, adapter, result));
  });
}
