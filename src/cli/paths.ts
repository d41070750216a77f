/// <reference types="node" />
/** Where the package's own files are, whether this runs as src/cli/*.ts (tsx) or dist/src/cli/*.js. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The keras-parity package root: the nearest folder above this module with its package.json. */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'keras-parity') {
      return (root = dir);
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`keras-parity's package.json is not above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** KERAS_PARITY_GOLDEN_DIR (as the conformance spec reads it), else the package's golden/. */
export function defaultGoldenDir(): string {
  return process.env.KERAS_PARITY_GOLDEN_DIR || join(packageRoot(), 'golden');
}

/** The project's virtual environment's python, as `npm run golden:setup` creates it. */
export function venvPython(): string {
  return process.platform === 'win32'
    ? join(packageRoot(), '.venv', 'Scripts', 'python.exe')
    : join(packageRoot(), '.venv', 'bin', 'python');
}

/** Where `npm run bench` writes its results, relative to the package root. */
export const DEFAULT_BENCH = 'bench/results/bench.json';

/** A path relative to the working folder when it is inside it. */
export function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
