/**
 * Gradient conformance in a real browser: every case of every gradient set (golden/grad/keras-<version>/,
 * jax.vjp of the Keras op) on tfjs-webgl, tfjs-webgpu and tfjs-wasm in headless Chromium, as
 * grad-conformance.spec.ts runs them on Node's backends: through that version's ops.vjp and its pullback
 * in the page (src/golden/grad-run.ts, in the browser bundle), compared with the same GRADIENT_TOLERANCES
 * and left out by the same GRADIENT_EXCLUSIONS. One test per case and backend: `relu f32 tiny
 * [chromium:tfjs-webgl] (gradient)`; a backend without a backward rule for an op yet shows its cases as
 * pending. Chromium's absence and KERAS_PARITY_REQUIRE_CHROMIUM=1 as in browser-conformance.spec.ts.
 */
import { fileURLToPath } from 'node:url';
import { caseTitle, exclusionFor, formatFailure, type GradCase } from '../src/golden/index.js';
import { GRADIENT_EXCLUSIONS } from '../src/golden/exclusions.js';
import { gradSetDirs, loadGradSetDir } from '../src/golden/node.js';
import { describeInChromium, itInPage, type StartedPage } from './browser-helpers.js';
import { ConformanceFailure } from './helpers.js';

const GOLDEN_DIR = process.env.KERAS_PARITY_GOLDEN_DIR ?? fileURLToPath(new URL('../golden/', import.meta.url));

// Unusable gradient sets fail in grad-conformance.spec.ts; their cases are simply absent here.
const dirs = gradSetDirs(GOLDEN_DIR);
const sets = dirs.flatMap((s) => {
  try {
    return [{ keras: s.keras, ops: loadGradSetDir(s).ops }];
  } catch {
    return [];
  }
});

describeInChromium('gradient conformance with jax.vjp in headless Chromium', { gradSets: dirs }, (name, started) => {
  for (const { keras, ops } of sets) {
    describe(`Keras ${keras}`, () => {
      for (const op of ops) {
        describe(op.op, () => {
          for (const c of op.cases) describeGradCase(c, name, started);
        });
      }
    });
  }
});

function describeGradCase(c: GradCase, name: string, started: StartedPage) {
  const title = `${caseTitle(c.id, name)} (gradient)`;
  itInPage(title, exclusionFor(GRADIENT_EXCLUSIONS, c.forward, name), started, async (backend, test) => {
    // The backward rules come family by family; a backend without one for this op has nothing to check yet.
    if (!backend.backwardRules.includes(c.op)) test.skip();
    const result = await backend.runGradCase({ id: c.id, keras: c.forward.keras });
    if (!result.ok) throw new ConformanceFailure(formatFailure(c.forward, name, result));
  });
}
