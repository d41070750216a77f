/**
 * The frame the conformance suites in headless Chromium share (browser-conformance.spec.ts for golden
 * cases, browser-grad-conformance.spec.ts for gradient cases): one browser session, a page per page
 * backend started before its cases and checked for uncaught errors after them, and one test per case.
 *
 * Without /usr/bin/chromium, or with a backend that cannot start in the page, the tests are pending with
 * the reason in their title; KERAS_PARITY_REQUIRE_CHROMIUM=1 (CI) makes either a failure.
 */
import { expect } from 'chai';
import {
  chromiumMissing,
  inChromium,
  openBrowserSession,
  PAGE_BACKENDS,
  type BrowserBackend,
  type BrowserSession,
  type PageBackend,
  type SessionOptions,
} from '../src/browser/node/index.js';
import type { ExclusionEntry } from '../src/golden/index.js';
import { chromiumUnavailable, ConformanceFailure } from './helpers.js';

const STRICT = process.env.KERAS_PARITY_REQUIRE_CHROMIUM === '1';

/** The page a case runs on, once its backend started (undefined before, or when the session did not open). */
export type StartedPage = () => BrowserBackend | undefined;

/**
 * `title`'s suite: a session opened with `options` before it and closed after, and under it, for each
 * page backend (by its name, chromium:tfjs-webgl), the tests `cases` declares on that backend's page.
 */
export function describeInChromium(title: string, options: SessionOptions, cases: (name: string, started: StartedPage) => void): void {
  describe(title, () => {
    if (chromiumUnavailable(chromiumMissing())) return;
    let session: BrowserSession | undefined;
    before(async function () {
      this.timeout(180_000);
      session = await openBrowserSession(options);
    });
    after(async () => {
      await session?.close();
    });
    for (const backend of PAGE_BACKENDS) describePage(backend, () => session, cases);
  });
}

function describePage(backend: PageBackend, session: () => BrowserSession | undefined, cases: (name: string, started: StartedPage) => void) {
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
      if (STRICT) throw new ConformanceFailure(`${why} (KERAS_PARITY_REQUIRE_CHROMIUM=1)`);
      // The cases below are skipped too; this title carries the reason for all of them.
      this.test!.title = why;
      this.skip();
    });

    cases(name, () => started);

    it(`leaves no uncaught error in the page [${name}]`, function () {
      if (!started?.info.available) this.skip();
      expect(started!.uncaught, 'uncaught errors and unhandled rejections in the page').to.deep.equal([]);
    });
  });
}

/**
 * One case's test on a page: pending with the reason when `exclusion` leaves it out, skipped when the
 * page's backend did not start; `run` throws to fail it.
 */
export function itInPage(
  title: string,
  exclusion: ExclusionEntry | undefined,
  started: StartedPage,
  run: (backend: BrowserBackend, test: Mocha.Context) => Promise<void>,
): void {
  if (exclusion) {
    it(`${title} (excluded: ${exclusion.why})`);
    return;
  }
  it(title, async function () {
    const backend = started();
    if (!backend?.info.available) this.skip();
    await run(backend!, this);
  });
}
