#!/usr/bin/env node
/**
 * The browser build: dist/browser/keras-parity.js (the public API, ES module, src/browser/index.ts) and
 * dist/browser/conformance.js (the golden runner's page side), sharing their code through chunks, with
 * the tfjs-backend-wasm .wasm files copied beside them. TF.js backends load as chunks on first use.
 * build.json lists every input esbuild read and every output, so a caller can tell when the build is stale.
 *
 *   node scripts/build-browser.mjs [--sourcemap] [OUTDIR]       (default: dist/browser)
 */
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_OUTDIR = join(ROOT, 'dist', 'browser');
export const RECORD = 'build.json';

const ENTRIES = {
  'keras-parity': join(ROOT, 'src/browser/index.ts'),
  conformance: join(ROOT, 'src/browser/page/conformance.ts'),
};

/** Builds into `outdir` (emptied first); returns the files written, relative to it. */
export async function buildBrowser(outdir = DEFAULT_OUTDIR, { sourcemap = false } = {}) {
  const { build } = await import('esbuild');
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    entryPoints: ENTRIES,
    outdir,
    bundle: true,
    // Chunks stay in outdir itself, beside the .wasm files: the browser entry, whichever chunk holds it,
    // finds them from its own import.meta.url.
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap,
    metafile: true,
    logLevel: 'warning',
    absWorkingDir: ROOT,
  });
  // esbuild's own metafile is large (every import of every module); the inputs and outputs suffice.
  const inputs = Object.keys(result.metafile.inputs).filter((i) => !i.includes(':'));
  const outputs = Object.keys(result.metafile.outputs);
  writeFileSync(join(outdir, RECORD), `${JSON.stringify({ inputs, outputs }, null, 1)}\n`);
  for (const file of wasmBinaries()) copyFileSync(file, join(outdir, file.slice(dirname(file).length + 1)));
  return readdirSync(outdir).sort();
}

/** tfjs-backend-wasm's binaries (plain, SIMD, threaded SIMD): the page picks one at start-up. */
function wasmBinaries() {
  const main = createRequire(join(ROOT, 'package.json')).resolve('@tensorflow/tfjs-backend-wasm');
  const dist = dirname(main);
  const files = readdirSync(dist).filter((f) => f.endsWith('.wasm')).map((f) => join(dist, f));
  if (!files.length) throw new Error(`no .wasm files in ${dist}`);
  return files;
}

/**
 * Why the build in `outdir` is stale (an input newer than it, or a file missing), or null when it is
 * current. Inputs are what esbuild read (build.json); a new source file shows as a change to its importer.
 */
export function staleness(outdir = DEFAULT_OUTDIR) {
  let built;
  let record;
  try {
    built = statSync(join(outdir, RECORD)).mtimeMs;
    record = JSON.parse(readFileSync(join(outdir, RECORD), 'utf8'));
  } catch {
    return `${join(outdir, RECORD)} is missing`;
  }
  for (const output of record.outputs) {
    if (!exists(resolve(ROOT, output))) return `${output} is missing`;
  }
  for (const input of [...record.inputs.map((i) => resolve(ROOT, i)), ...Object.values(ENTRIES)]) {
    if (!exists(input)) return `${input} is gone`;
    if (statSync(input).mtimeMs > built) return `${input} changed since the build`;
  }
  return null;
}

function exists(path) {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const outdir = resolve(args.find((a) => !a.startsWith('--')) ?? DEFAULT_OUTDIR);
  const files = await buildBrowser(outdir, { sourcemap: args.includes('--sourcemap') });
  console.log(`${outdir}: ${files.join(', ')}`);
}
