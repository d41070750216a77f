/// <reference types="node" />
/**
 * Finds and reads the bench.json that `keras-parity run` plots: the one named by --bench (a usage error
 * when missing or malformed), else the project's bench/results/bench.json when there is one (a warning
 * and no plots when it cannot be used: a stale file must not stop a parity run).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BenchFormatError, parseBench } from '../benchfile/parse.js';
import { packageRoot } from '../paths.js';
import type { ReportBench } from '../report/model.js';
import { UsageError } from './args.js';
import { DEFAULT_BENCH, shortPath } from './paths.js';

/**
 * `path`: the --bench value; undefined: the default, if present; null: none. Throws UsageError for a
 * --bench file that is missing or not a bench.json; `warn` hears why a default one is skipped.
 */
export function loadBench(path: string | null | undefined, warn: (message: string) => void): ReportBench | undefined {
  if (path === null) return undefined;
  if (path === undefined) {
    const file = join(packageRoot(), DEFAULT_BENCH);
    if (!existsSync(file)) return undefined;
    try {
      return read(file);
    } catch (e) {
      if (!(e instanceof BenchFormatError)) throw e;
      warn(`no benchmark plots: ${e.message}`);
      return undefined;
    }
  }
  const file = resolve(path);
  if (!existsSync(file)) {
    throw new UsageError(`--bench ${path}: no such file (\`npm run bench\` writes ${DEFAULT_BENCH})`, 'run');
  }
  try {
    return read(file);
  } catch (e) {
    if (e instanceof BenchFormatError) throw new UsageError(`--bench ${e.message}`, 'run');
    throw e;
  }
}

function read(file: string): ReportBench {
  const source = shortPath(file);
  return { source, data: parseBench(readFileSync(file, 'utf8'), source) };
}
