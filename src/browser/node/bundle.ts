/// <reference types="node" />
/**
 * Where the browser bundle is, built first when it is missing or older than its sources. An installed
 * package ships dist/browser prebuilt and has no sources; a checkout rebuilds with
 * scripts/build-browser.mjs (esbuild, a devDependency), so a changed source never runs stale in a page.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../../paths.js';

interface BuildScript {
  DEFAULT_OUTDIR: string;
  buildBrowser(outdir: string): Promise<string[]>;
  staleness(outdir: string): string | null;
}

export const BUNDLE_ENTRY = 'keras-parity.js';

/** The bundle's folder (default dist/browser), rebuilt when stale; raises when it is missing and cannot be built. */
export async function ensureBrowserBundle(dir?: string, log: (line: string) => void = () => {}): Promise<string> {
  const root = packageRoot();
  const outdir = resolve(dir ?? join(root, 'dist', 'browser'));
  const script = join(root, 'scripts', 'build-browser.mjs');
  const sources = existsSync(join(root, 'src', 'browser', 'index.ts'));
  if (sources && existsSync(script)) {
    const build = (await import(pathToFileURL(script).href)) as BuildScript;
    const why = build.staleness(outdir);
    if (why) {
      log(`Building the browser bundle in ${outdir} (${why})`);
      await build.buildBrowser(outdir);
    }
  }
  if (!existsSync(join(outdir, BUNDLE_ENTRY))) {
    throw new Error(`${join(outdir, BUNDLE_ENTRY)} is missing: build it with npm run build`);
  }
  return outdir;
}
