/**
 * The conformance suite in a real browser: every golden case of every Keras version's set
 * (golden/keras-<version>/) on tfjs-webgl, tfjs-webgpu and tfjs-wasm in headless Chromium (Debian's
 * /usr/bin/chromium through playwright-core; src/browser/), one test per case and backend under its
 * version, titled after the case id and the backend in its page: `conv 2d same s2 d1 channels_first
 * [chromium:tfjs-webgl]`. Each runs in the page through the browser bundle (dist/browser, rebuilt first
 * when its sources changed), found there by its version and id and replayed with that version's ops, with
 * the same comparison, tolerance table and exclusion list as Node's.
 *
 * Without /usr/bin/chromium, or with a backend that cannot start in the page, the tests are pending with
 * the reason in their title; KERAS_PARITY_REQUIRE_CHROMIUM=1 (CI) makes either a failure (browser-helpers.ts).
 */
import { fileURLToPath } from 'node:url';
import { caseTitle, exclusionFor, formatFailure, loadGolden, type GoldenCase } from '../src/golden/index.js';
import { EXCLUSIONS } from '../src/golden/exclusions.js';
import { directorySource, goldenSetDirs } from '../src/golden/node.js';
import { describeInChromium, itInPage, type StartedPage } from './browser-helpers.js';
import { ConformanceFailure } from './helpers.js';

const GOLDEN_DIR = process.env.KERAS_PARITY_GOLDEN_DIR ?? fileURLToPath(new URL('../golden/', import.meta.url));

// Unusable golden files fail in conformance.spec.ts; their ops (or sets) are simply absent here.
const sets = goldenSetDirs(GOLDEN_DIR).flatMap((s) => {
  try {
    return [{ keras: s.keras, ops: loadGolden(directorySource(s.dir)).ops }];
  } catch {
    return [];
  }
});

describeInChromium('conformance with the goldens of every Keras version in headless Chromium', { goldenDir: GOLDEN_DIR }, (name, started) => {
  for (const { keras, ops } of sets) {
    describe(`Keras ${keras}`, () => {
      for (const op of ops) {
        describe(op.op, () => {
          for (const c of op.cases) describeCase(c, name, started);
        });
      }
    });
  }
});

function describeCase(c: GoldenCase, name: string, started: StartedPage) {
  itInPage(caseTitle(c.id, name), exclusionFor(EXCLUSIONS, c, name), started, async (backend) => {
    const result = await backend.runCase(c);
    if (!result.ok) throw new ConformanceFailure(formatFailure(c, name, result));
  });
}
