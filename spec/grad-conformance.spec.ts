/**
 * Gradient conformance: every case of every gradient set (golden/grad/keras-<version>/, jax.vjp of the
 * Keras op with seeded cotangents; docs/golden-format.md) on every backend, through that version's
 * `ops.vjp` and its pullback, one test per case and backend: `relu 2x3 f32 [tfjs-cpu] (gradient)`.
 * The backends and versions are chosen as in conformance.spec.ts (KERAS_PARITY_BACKENDS,
 * KERAS_PARITY_KERAS). A backend without a backward rule for an op yet shows its cases as pending.
 */
import { fileURLToPath } from 'node:url';
import { listBackends } from '../src/index.js';
import { KERAS_VERSIONS } from '../src/keras-versions.js';
import { caseTitle, entryProblems, exclusionFor, formatFailure, type GradCase, type GradSet } from '../src/golden/index.js';
import { runGradCase } from '../src/golden/grad-run.js';
import { gradSetDirs, loadGradSetDir } from '../src/golden/node.js';
import { GRADIENT_EXCLUSIONS } from '../src/golden/exclusions.js';
import { GRADIENT_TOLERANCES } from '../src/golden/tolerances.js';
import { currentAdapter } from '../src/backend/registry.js';
import { ConformanceFailure, describeOnBackend, selectBackends } from './helpers.js';

const GOLDEN_DIR = process.env.KERAS_PARITY_GOLDEN_DIR ?? fileURLToPath(new URL('../golden/', import.meta.url));
const ONLY_KERAS = process.env.KERAS_PARITY_KERAS;
const backends = selectBackends(await listBackends());
const sets = gradSetDirs(GOLDEN_DIR).filter((s) => !ONLY_KERAS || s.keras === ONLY_KERAS);
const loaded = sets.map((dirs) => ({ dirs, set: loadOrError(dirs) }));

function loadOrError(dirs: (typeof sets)[number]): GradSet | Error {
  try {
    return loadGradSetDir(dirs);
  } catch (e) {
    return e as Error;
  }
}

describe('gradient conformance with jax.vjp', () => {
  it(`finds a gradient set of every supported Keras version in ${GOLDEN_DIR}grad/`, () => {
    if (process.env.KERAS_PARITY_GOLDEN_DIR) return;
    const missing = KERAS_VERSIONS.filter((v) => (!ONLY_KERAS || v === ONLY_KERAS) && !sets.some((s) => s.keras === v));
    if (missing.length) throw new ConformanceFailure(`no gradient set of Keras ${missing.join(', ')}: npm run golden`);
  });

  it('names cases of the gradient sets in every gradient tolerance and exclusion entry, each with a reason', () => {
    if (process.env.KERAS_PARITY_GOLDEN_DIR || ONLY_KERAS || loaded.some(({ set }) => set instanceof Error)) return;
    const cases = loaded.flatMap(({ set }) => (set as GradSet).ops.flatMap((op) => op.cases.map((c) => c.forward)));
    const problems = [
      ...entryProblems(GRADIENT_TOLERANCES, cases).map((p) => `GRADIENT_TOLERANCES: ${p}`),
      ...entryProblems(GRADIENT_EXCLUSIONS, cases).map((p) => `GRADIENT_EXCLUSIONS: ${p}`),
    ];
    if (problems.length) throw new ConformanceFailure(problems.join('\n'));
  });

  for (const { dirs, set } of loaded) {
    describe(`Keras ${dirs.keras}`, () => {
      if (set instanceof Error) {
        it(`${dirs.dir} is usable`, () => {
          throw set;
        });
        return;
      }
      for (const error of set.broken) {
        it(`${error.file} is usable`, () => {
          throw new ConformanceFailure(error.message);
        });
      }
      for (const backend of backends) {
        describeOnBackend(backend, () => {
          for (const op of set.ops) {
            describe(op.op, () => {
              for (const c of op.cases) describeGradCase(c, backend.name);
            });
          }
        });
      }
    });
  }
});

function describeGradCase(c: GradCase, adapter: string) {
  const title = `${caseTitle(c.id, adapter)} (gradient)`;
  const exclusion = exclusionFor(GRADIENT_EXCLUSIONS, c.forward, adapter);
  if (exclusion) {
    it(`${title} (excluded: ${exclusion.why})`);
    return;
  }
  it(title, async function () {
    // The backward rules come family by family; a backend without one for this op has nothing to check yet.
    if (!(currentAdapter().vjps as Record<string, unknown> | undefined)?.[c.op]) this.skip();
    const result = await runGradCase(c, adapter, GRADIENT_TOLERANCES);
    if (!result.ok) throw new ConformanceFailure(formatFailure(c.forward, adapter, result));
  });
}
