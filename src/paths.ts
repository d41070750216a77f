/// <reference types="node" />
/**
 * Where the package's own files are, whether this runs as src/*.ts (tsx) or dist/src/*.js: for every
 * Node-side module that reads them (the CLI, the Python finder, the Keras oracle, the browser bundle).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

/** The python of one Keras version's environment, as `npm run golden:setup` creates it (.venv/keras-<version>/). */
export function venvPython(keras: string): string {
  const venv = join(packageRoot(), '.venv', `keras-${keras}`);
  return process.platform === 'win32' ? join(venv, 'Scripts', 'python.exe') : join(venv, 'bin', 'python');
}

/** The requirements file that pins one Keras version's environment. */
export function requirementsFile(keras: string): string {
  return join(packageRoot(), 'tools', 'requirements', `keras-${keras}.txt`);
}

/** keras-parity's own version, from its package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
