/// <reference types="node" />
/**
 * The page backends as the CLI sees them: named chromium:tfjs-webgl, chromium:tfjs-webgpu and
 * chromium:tfjs-wasm (tfjs-webgl and tfjs-webgpu alone are accepted too; tfjs-wasm alone is Node's). For
 * `keras-parity run` each is a RemoteBackend of the report whose golden cases run in its Chromium page
 * (found there by Keras version and id);
 * `keras-parity fuzz` sends its calls whole (src/browser/node/fuzz.ts).
 */
import type { RemoteBackend } from '../../report/collect.js';
import { IN_CHROMIUM, PAGE_BACKENDS, inChromium, openBrowserSession, type BrowserBackend, type BrowserSession, type PageBackend, type SessionOptions } from './session.js';

export const CHROMIUM_BACKENDS: readonly string[] = PAGE_BACKENDS.map(inChromium);

/** The page backend `name` selects, or undefined when it names a backend of this process. */
export function pageBackendOf(name: string): PageBackend | undefined {
  const placed = name.startsWith(IN_CHROMIUM);
  const bare = (placed ? name.slice(IN_CHROMIUM.length) : name) as PageBackend;
  if (!PAGE_BACKENDS.includes(bare)) return undefined;
  return placed || bare !== 'tfjs-wasm' ? bare : undefined;
}

export interface BrowserBackends {
  backends: RemoteBackend[];
  /** Ends the browser and its server; call it however the run ends. */
  close(): Promise<void>;
}

/**
 * Starts `names` in headless Chromium, for the report: golden cases run by id, and gradient cases by
 * version and id when `options.gradSets` loaded their sets into the pages.
 */
export async function openBrowserBackends(names: readonly PageBackend[], options: SessionOptions): Promise<BrowserBackends> {
  const started = await startBrowserBackends(names, options);
  const gradients = !!options.gradSets?.length;
  const backends = started.backends.map(
    (b): RemoteBackend => ({
      info: b.info,
      runCase: (c) => b.runCase(c),
      ...(gradients ? { runGradCase: (c) => b.runGradCase({ id: c.id, keras: c.forward.keras }), backwardRules: b.backwardRules } : {}),
    }),
  );
  return { backends, close: started.close };
}

export interface StartedBackends {
  /** In the order of `names`; an unavailable one says why in its info. */
  backends: BrowserBackend[];
  /** Ends the browser and its server; call it however the run ends. */
  close(): Promise<void>;
}

/** Starts `names` in headless Chromium; when the browser itself cannot start, each is unavailable saying why. */
export async function startBrowserBackends(names: readonly PageBackend[], options: SessionOptions): Promise<StartedBackends> {
  let session: BrowserSession;
  try {
    session = await openBrowserSession(options);
  } catch (e) {
    const reason = `headless Chromium did not start: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
    return { backends: names.map((n) => unstarted(inChromium(n), reason)), close: async () => {} };
  }
  try {
    const backends: BrowserBackend[] = [];
    for (const name of names) backends.push(await session.startBackend(name));
    return { backends, close: () => session.close() };
  } catch (e) {
    await session.close();
    throw e;
  }
}

/** A backend whose browser did not start: unavailable; it runs no case (no caller asks it to). */
function unstarted(name: string, reason: string): BrowserBackend {
  const runs = { runCase: unreachable, runGradCase: unreachable, runComposition: unreachable, runSentCase: unreachable, runSentGradCase: unreachable, echoSentCase: unreachable };
  return { name, info: { name, available: false, reason }, uncaught: [], backwardRules: [], ...runs };
}

async function unreachable(): Promise<never> {
  throw new Error('an unavailable backend was asked to run a case');
}
