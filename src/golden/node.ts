/// <reference types="node" />
/** A golden directory on disk, for Node (mocha, CLI reports); browsers supply their own GoldenSource. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { GoldenSource } from './loader.js';

export function directorySource(dir: string): GoldenSource {
  return {
    label: (name) => {
      const path = join(dir, name);
      const rel = relative(process.cwd(), path);
      return rel.startsWith('..') ? path : rel;
    },
    read: (name) => {
      const path = join(dir, name);
      return existsSync(path) ? new Uint8Array(readFileSync(path)) : undefined;
    },
    sha256: (bytes) => createHash('sha256').update(bytes).digest('hex'),
  };
}
