/// <reference types="node" />
/**
 * The page backends as `keras-parity run` sees them: named chromium:tfjs-webgl, chromium:tfjs-webgpu and
 * chromium:tfjs-wasm (tfjs-webgl and tfjs-webgpu alone are accepted too; tfjs-wasm alone is Node's), each
 * a RemoteBackend of the report whose cases run in its Chromium page.
 */
import type { RemoteBackend } from '../../report/collect.js';
import { IN_CHROMIUM, PAGE_BACKENDS, inChromium, openBrowserSession, type BrowserSession, type PageBackend, type SessionOptions } from './session.js';

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

/** Starts `names` in headless Chromium; when the browser itself cannot start, each is unavailable saying why. */
export async function openBrowserBackends(names: readonly PageBackend[], options: SessionOptions): Promise<BrowserBackends> {
  let session: BrowserSession;
  try {
    session = await openBrowserSession(options);
  } catch (e) {
    const reason = `headless Chromium did not start: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
    const backends = names.map((n) => ({ info: { name: inChromium(n), available: false, reason }, runCase: unreachable }));
    return { backends, close: async () => {} };
  }
  try {
    const backends: RemoteBackend[] = [];
    for (const name of names) {
      const backend = await session.startBackend(name);
      backends.push({ info: backend.info, runCase: (c) => backend.runCase(c.id) });
    }
    return { backends, close: () => session.close() };
  } catch (e) {
    await session.close();
    throw e;
  }
}

/** An unavailable backend runs no case; the report never asks it to. */
async function unreachable(): Promise<never> {
  throw new Error('an unavailable backend was asked to run a case');
}
