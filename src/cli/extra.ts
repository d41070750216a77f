/// <reference types="node" />
/**
 * KERAS_PARITY_EXTRA_BACKENDS: modules (paths separated as in PATH) whose default export registers more
 * backends before a command runs, e.g. an adapter under development, or a deliberately broken one in the
 * CLI's specs. The default export is called with `{ registerBackend }` of this process's registry.
 */
import { delimiter, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { registerBackend } from '../backend/registry.js';
import { UsageError } from './args.js';

export interface ExtraBackendsHost {
  registerBackend: typeof registerBackend;
}

export const EXTRA_BACKENDS_VAR = 'KERAS_PARITY_EXTRA_BACKENDS';

export async function loadExtraBackends(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const paths = (env[EXTRA_BACKENDS_VAR] ?? '').split(delimiter).filter(Boolean);
  for (const path of paths) {
    let mod: { default?: unknown };
    try {
      mod = await import(pathToFileURL(resolve(path)).href);
    } catch (e) {
      throw new UsageError(`${EXTRA_BACKENDS_VAR}: cannot import ${path}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (typeof mod.default !== 'function') {
      throw new UsageError(`${EXTRA_BACKENDS_VAR}: ${path} has no default export function ({ registerBackend }) => void`);
    }
    await (mod.default as (host: ExtraBackendsHost) => unknown)({ registerBackend });
  }
}
