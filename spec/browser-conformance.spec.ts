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
 * the reason in their title; KERAS_PARITY_REQUIRE_CHROMIUM=1 (CI) makes either a failure.
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { chromiumMissing, inChromium, openBrowserSession, PAGE_BACKENDS, type BrowserBackend, type BrowserSession, type PageBackend } from '../src/browser/node/index.js';
import { caseTitle, exclusionFor, formatFailure, loadGolden, type GoldenCase } from '../src/golden/index.js';
import { EXCLUSIONS } from '../src/golden/exclusions.js';
import { directorySource, goldenSetDirs } from '../src/golden/node.js';
import { ConformanceFailure } from './helpers.js';

const GOLDEN_DIR = process.env.KERAS_PARITY_GOLDEN_DIR ?? fileURLToPath(new URL('../golden/', import.meta.url));
const STRICT = process.env.KERAS_PARITY_REQUIRE_CHROMIUM === '1';
const STRICT_NOTE = ' (KERAS_PARITY_REQUIRE_CHROMIUM=1)';

// Unusable golden files fail in conformance.spec.ts; their ops (or sets) are simply absent here.
const sets = goldenSetDirs(GOLDEN_DIR).flatMap((s) => {
  try {
    return [{ keras: s.keras, ops: loadGolden(directorySource(s.dir)).ops }];
  } catch {
    return [];
  }
});
const missing = chromiumMissing();

describe('conformance with the goldens of every Keras version in headless Chromium', () => {
  if (missing) {
    const title = `headless Chromium is unavailable: ${missing}`;
    if (STRICT) {
      it(title, () => {
        throw new ConformanceFailure(title + STRICT_NOTE);
      });
    } else {
      it(title);
    }
    return;
  }
  let session: BrowserSession | undefined;
  before(async function () {
    this.timeout(180_000);
    session = await openBrowserSession({ goldenDir: GOLDEN_DIR });
  });
  after(async () => {
    await session?.close();
  });
  for (const backend of PAGE_BACKENDS) describeBackend(backend, () => session);
});

function describeBackend(backend: PageBackend, session: () => BrowserSession | undefined) {
  const name = inChromium(backend);
  describe(name, () => {
    let started: BrowserBackend | undefined;
    before(async function () {
      this.timeout(60_000);
      started = await session()?.startBackend(backend);
    });

    it(`starts in the page [${name}]`, function () {
      const info = started?.info;
      if (info?.available) return;
      const why = `${name} is unavailable: ${info?.reason ?? 'the browser session did not open'}`;
      if (STRICT) throw new ConformanceFailure(why + STRICT_NOTE);
      // The cases below are skipped too; this title carries the reason for all of them.
      this.test!.title = why;
      this.skip();
    });

    for (const { keras, ops } of sets) {
      describe(`Keras ${keras}`, () => {
        for (const op of ops) {
          describe(op.op, () => {
            for (const c of op.cases) describeCase(c, name, () => started);
          });
        }
      });
    }

    it(`leaves no uncaught error in the page [${name}]`, function () {
      if (!started?.info.available) this.skip();
      expect(started!.uncaught, 'uncaught errors and unhandled rejections in the page').to.deep.equal([]);
    });
  });
}

function describeCase(c: GoldenCase, name: string, started: () => BrowserBackend | undefined) {
  const title = caseTitle(c.id, name);
  const exclusion = exclusionFor(EXCLUSIONS, c, name);
  if (exclusion) {
    it(`${title} (excluded: ${exclusion.why})`);
    return;
  }
  it(title, async function () {
    const backend = started();
    if (!backend?.info.available) this.skip();
    const result = await backend!.runCase(c);
    if (!result.ok) throw new ConformanceFailure(formatFailure(c, name, result));
  });
}
