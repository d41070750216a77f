/// <reference types="node" />
/** The command line's own paths and names: its version, its defaults, and paths as it prints them. */
import { isAbsolute, join, relative } from 'node:path';
import { packageRoot } from '../paths.js';

/**
 * KERAS_PARITY_GOLDEN_DIR (as the conformance spec reads it), else the package's golden/: one golden set,
 * or a folder of keras-<version>/ sets, as goldenSetDirs (src/golden/node.ts) reads it.
 */
export function defaultGoldenDir(): string {
  return process.env.KERAS_PARITY_GOLDEN_DIR || join(packageRoot(), 'golden');
}

/** Where `npm run bench` writes its results, relative to the package root. */
export const DEFAULT_BENCH = 'bench/results/bench.json';

/** A path relative to the working folder when it is inside it. */
export function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
