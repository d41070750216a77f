/// <reference types="node" />
/**
 * The Node side of the browser conformance runner: serves the browser bundle and the goldens on
 * 127.0.0.1, launches headless Chromium, and opens one page per keras-parity backend (tfjs-webgl,
 * tfjs-webgpu, tfjs-wasm), each with its goldens loaded (every Keras version's set, and the gradient sets
 * asked for) and its backend started; golden and gradient cases then run there by Keras version and id,
 * and other cases (fuzz calls) sent whole as data (src/browser/page/conformance.ts). A page
 * per backend keeps a backend that breaks its device from spoiling the others. The mocha specs,
 * `keras-parity run` and `keras-parity fuzz` drive it.
 */
import type { Page } from 'playwright-core';
import type { BackendInfo } from '../../backend/registry.js';
import { decodeCase, encodeCase, encodeGradCase, type WireCase, type WireGradCase } from '../../fuzz/wire.js';
import type { GoldenCase } from '../../golden/cases.js';
import type { GradCase } from '../../golden/grad.js';
import type { CompositionFixture, CompositionResult } from '../../golden/composition.js';
import { goldenSetDirs, type GoldenSetDir, type GradSetDir } from '../../golden/node.js';
import type { ToleranceEntry } from '../../golden/policy.js';
import type { CaseResult } from '../../golden/run.js';
import { GRADIENT_TOLERANCES, TOLERANCES } from '../../golden/tolerances.js';
import type * as PageSide from '../page/conformance.js';
import { ensureBrowserBundle } from './bundle.js';
import { launchChromium, type ChromiumSession, type LaunchOptions } from './chromium.js';
import { serveStatic } from './server.js';

/** The backends a page registers, by the names it gives them. */
export const PAGE_BACKENDS = ['tfjs-webgl', 'tfjs-webgpu', 'tfjs-wasm'] as const;
export type PageBackend = (typeof PAGE_BACKENDS)[number];

/**
 * What a page backend is called outside the page: in reports, test titles, the CLI, and the tolerance
 * and exclusion entries (src/golden/policy.ts). Node has a tfjs-wasm of its own, hence the place.
 */
export const IN_CHROMIUM = 'chromium:';
export const inChromium = (backend: string): string => `${IN_CHROMIUM}${backend}`;

const BUNDLE_PREFIX = '/keras-parity/';
const GOLDEN_PREFIX = '/golden/';
/** A gradient set at /golden/grad/<i>/, the forward set it was made from at /golden/grad/<i>/forward/. */
const GRAD_PREFIX = '/golden/grad/';
const RUNNER_PAGE = '<!doctype html><meta charset="utf-8"><title>keras-parity conformance</title>\n';

export interface SessionOptions {
  /**
   * The goldens the pages load, to run by Keras version and id: one set, or a folder of keras-<version>/
   * sets (all of them load); without it (or `goldenSets`) they load none (cases then come whole: runSentCase).
   */
  goldenDir?: string;
  /** The golden sets the pages load, in place of `goldenDir`'s: a run's selected versions. */
  goldenSets?: readonly GoldenSetDir[];
  /** The gradient sets the pages load (src/golden/node.ts gradSetDirs), to run by version and id (default: none). */
  gradSets?: readonly GradSetDir[];
  /** The browser bundle's folder (default: dist/browser, built first when its sources changed). */
  bundleDir?: string;
  tolerances?: readonly ToleranceEntry[];
  /** The gradient cases' tolerance table (default GRADIENT_TOLERANCES). */
  gradTolerances?: readonly ToleranceEntry[];
  launch?: LaunchOptions;
  /** Progress lines (building the bundle); default: none. */
  log?: (line: string) => void;
  /**
   * How long one case may run in its page (default 120 s, far above the slowest golden case on
   * SwiftShader). A page past it is closed, since its script is stuck: that case and the ones after fail.
   */
  caseTimeoutMs?: number;
}

const CASE_TIMEOUT_MS = 120_000;

export interface BrowserBackend {
  /** `chromium:tfjs-webgl` */
  name: string;
  /** Named as `name`; the device says which Chromium. */
  info: BackendInfo;
  /**
   * Runs a golden case in the page, found by its Keras version (absent: 3.6.0) and id, and replayed with
   * that version's ops; a page that crashed or closed gives a failing result saying so.
   */
  runCase(c: GoldenCaseRef): Promise<CaseResult>;
  /** Runs a gradient case in the page, found and failing as runCase's; the session must have loaded its set. */
  runGradCase(c: GoldenCaseRef): Promise<CaseResult>;
  /** The training step of golden/composition/ (the fixture as parsed) on the page's backend. */
  runComposition(fixture: CompositionFixture): Promise<CompositionResult[]>;
  /** The ops the page's backend has a backward rule for (none when it did not start). */
  readonly backwardRules: readonly string[];
  /** Runs a case the page does not have (a fuzz call), sent as data, bit-exact; fails as runCase does. */
  runSentCase(c: GoldenCase): Promise<CaseResult>;
  /** Runs a gradient case the page does not have (a gradient fuzz call), sent as data; fails as runCase does. */
  runSentGradCase(c: GradCase): Promise<CaseResult>;
  /** The case as the page rebuilds it from what runSentCase sends, brought back the same way: a check of the wire. */
  echoSentCase(c: GoldenCase): Promise<GoldenCase>;
  /** The page's uncaught exceptions and unhandled rejections (a lost WebGPU device shows here). */
  readonly uncaught: readonly string[];
}

export interface BrowserSession {
  chromium: string;
  origin: string;
  /** Opens a page for `backend` and starts it there; an unavailable backend says why in its info. */
  startBackend(backend: PageBackend): Promise<BrowserBackend>;
  close(): Promise<void>;
}

/** What names a golden case the page loaded: ids repeat across Keras versions. */
export interface GoldenCaseRef {
  id: string;
  keras?: string;
}

/** A case sent whole, with the Keras version whose ops replay it (absent: 3.6.0). */
type SentCase = WireCase & { keras?: string };

/** The page module, as the runner page keeps it once imported. */
interface RunnerWindow {
  kerasParityConformance: typeof PageSide;
}

/** What every page of a session loads, and how long it may take over a case. */
interface PageSetup {
  origin: string;
  /** The golden sets' URLs. */
  goldens: readonly string[];
  /** Each gradient set's URL and its forward set's. */
  gradGoldens: readonly (readonly [string, string])[];
  tolerances: readonly ToleranceEntry[];
  gradTolerances: readonly ToleranceEntry[];
  timeoutMs: number;
}

export async function openBrowserSession(options: SessionOptions): Promise<BrowserSession> {
  const bundleDir = await ensureBrowserBundle(options.bundleDir, options.log);
  const sets = options.goldenSets ?? (options.goldenDir ? goldenSetDirs(options.goldenDir) : []);
  // By index: a set's folder name need not be keras-<version> (a single set named by --golden).
  const goldenMounts = sets.map((set, i) => ({ prefix: `${GOLDEN_PREFIX}${i}/`, dir: set.dir }));
  const gradMounts = (options.gradSets ?? []).map((set, i) => ({ prefix: `${GRAD_PREFIX}${i}/`, dir: set.dir, forwardDir: set.forwardDir }));
  const server = await serveStatic(
    [
      { prefix: BUNDLE_PREFIX, dir: bundleDir },
      ...goldenMounts,
      ...gradMounts.flatMap((m) => [{ prefix: m.prefix, dir: m.dir }, { prefix: `${m.prefix}forward/`, dir: m.forwardDir }]),
    ],
    // The page asks for a favicon; an empty one keeps a 404 out of its console errors.
    { '/': { type: 'text/html; charset=utf-8', body: RUNNER_PAGE }, '/favicon.ico': { type: 'image/x-icon', body: '' } },
  );
  let chromium: ChromiumSession;
  try {
    chromium = await launchChromium(options.launch);
  } catch (e) {
    await server.close();
    throw e;
  }
  const setup: PageSetup = {
    origin: server.origin,
    goldens: goldenMounts.map((m) => `${server.origin}${m.prefix}`),
    gradGoldens: gradMounts.map((m) => [`${server.origin}${m.prefix}`, `${server.origin}${m.prefix}forward/`] as const),
    tolerances: options.tolerances ?? TOLERANCES,
    gradTolerances: options.gradTolerances ?? GRADIENT_TOLERANCES,
    timeoutMs: options.caseTimeoutMs ?? CASE_TIMEOUT_MS,
  };
  return {
    chromium: chromium.version,
    origin: server.origin,
    startBackend: (backend) => startInPage(chromium, setup, backend),
    close: async () => {
      try {
        await chromium.close();
      } finally {
        await server.close();
      }
    },
  };
}

async function startInPage(chromium: ChromiumSession, setup: PageSetup, backend: PageBackend): Promise<BrowserBackend> {
  const name = inChromium(backend);
  const page = await chromium.context.newPage();
  const uncaught: string[] = [];
  page.on('pageerror', (e) => uncaught.push(e.message));
  let info: BackendInfo;
  let backwardRules: string[] = [];
  try {
    info = await preparePage(page, setup, backend);
    if (info.available) backwardRules = await page.evaluate(() => (window as unknown as RunnerWindow).kerasParityConformance.backwardRules());
  } catch (e) {
    info = { name: backend, available: false, reason: `the runner page failed: ${e instanceof Error ? e.message : String(e)}` };
  }
  const device = info.device && `${info.device}, in headless Chromium ${chromium.version}`;
  const { timeoutMs } = setup;
  return {
    name,
    info: { ...info, name, ...(device ? { device } : {}) },
    uncaught,
    backwardRules,
    runCase: (c) =>
      inPage(page, name, timeoutMs, () =>
        page.evaluate(
          ([caseId, keras, adapter]) => (window as unknown as RunnerWindow).kerasParityConformance.runGoldenCase(caseId, adapter, keras ?? undefined),
          [c.id, c.keras ?? null, name] as const,
        ),
      ),
    runGradCase: (c) =>
      inPage(page, name, timeoutMs, () =>
        page.evaluate(
          ([caseId, keras, adapter]) => (window as unknown as RunnerWindow).kerasParityConformance.runGradGoldenCase(caseId, adapter, keras ?? undefined),
          [c.id, c.keras ?? null, name] as const,
        ),
      ),
    runComposition: (fixture) =>
      page.evaluate((f) => (window as unknown as RunnerWindow).kerasParityConformance.runComposition(f as CompositionFixture), fixture as unknown),
    runSentCase: (c) =>
      inPage(page, name, timeoutMs, () =>
        page.evaluate(({ sent, adapter }) => (window as unknown as RunnerWindow).kerasParityConformance.runSentCase(sent as SentCase, adapter), { sent: sentCase(c) as unknown, adapter: name }),
      ),
    runSentGradCase: (c) =>
      inPage(page, name, timeoutMs, () =>
        page.evaluate(({ sent, adapter }) => (window as unknown as RunnerWindow).kerasParityConformance.runSentGradCase(sent as WireGradCase, adapter), {
          sent: encodeGradCase(c) as unknown,
          adapter: name,
        }),
      ),
    echoSentCase: async (c) =>
      // unknown, not WireCase, across evaluate: Playwright's types recurse without end through WireValue.
      decodeCase((await page.evaluate((sent) => (window as unknown as RunnerWindow).kerasParityConformance.echoCase(sent as WireCase) as unknown, encodeCase(c) as unknown)) as WireCase),
  };
}

/** The case as data, with its Keras version: the page replays it with that version's ops. */
function sentCase(c: GoldenCase): SentCase {
  return { ...encodeCase(c), ...(c.keras ? { keras: c.keras } : {}) };
}

async function preparePage(page: Page, setup: PageSetup, backend: PageBackend): Promise<BackendInfo> {
  await page.goto(`${setup.origin}/`);
  // A broken golden file spoils its op in the page as in Node, which reports it; its cases are not asked for.
  await page.evaluate(
    async ([module, golden, grad, table, gradTable]) => {
      const side = (await import(module)) as typeof PageSide;
      (window as unknown as RunnerWindow).kerasParityConformance = side;
      side.useTolerances(table, gradTable);
      for (const url of golden) await side.loadGoldens(url);
      for (const [url, forward] of grad) await side.loadGradGoldens(url, forward);
    },
    [`${setup.origin}${BUNDLE_PREFIX}conformance.js`, setup.goldens, setup.gradGoldens, setup.tolerances, setup.gradTolerances] as const,
  );
  return page.evaluate((name) => (window as unknown as RunnerWindow).kerasParityConformance.startBackend(name), backend);
}

/** Pages closed for not answering in time (closing takes a moment, and their late answers are not taken). */
const HUNG = new WeakSet<Page>();

/**
 * A call into the page; a page that crashed or closed, or did not answer within `timeoutMs` (it is
 * closed then), gives a failing result saying so.
 */
async function inPage(page: Page, adapter: string, timeoutMs: number, call: () => Promise<CaseResult>): Promise<CaseResult> {
  const failed = (failure: string): CaseResult => ({ ok: false, failure, outputs: [] });
  if (page.isClosed() || HUNG.has(page)) return failed(`the ${adapter} page is closed (it crashed, hung or the run ended)`);
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<CaseResult>((resolve) => {
    timer = setTimeout(() => {
      HUNG.add(page);
      void page.close().catch(() => {});
      resolve(failed(`the ${adapter} page did not answer within ${timeoutMs / 1000} s; it was closed`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([call(), hung]);
  } catch (e) {
    return failed(`the ${adapter} page failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  } finally {
    clearTimeout(timer);
  }
}
