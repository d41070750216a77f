/// <reference types="node" />
/** A golden directory on disk, for Node (mocha, CLI reports); browsers supply their own GoldenSource. */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { compareVersions } from '../keras-versions.js';
import { loadGradSet, type GradSet } from './grad.js';
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

/** One golden set on disk: its folder and the Keras version that made it. */
export interface GoldenSetDir {
  keras: string;
  dir: string;
}

/**
 * The golden sets under `dir`: `dir` itself when it holds a manifest.json (its Keras version read from
 * it), else each of its keras-<version>/ folders, oldest first (golden/keras-3.6.0/, golden/keras-3.15.1/).
 */
export function goldenSetDirs(dir: string): GoldenSetDir[] {
  if (existsSync(join(dir, 'manifest.json'))) return [{ keras: manifestKeras(join(dir, 'manifest.json')), dir }];
  return versionDirs(dir);
}

/** A gradient set on disk and the forward set it was made from. */
export interface GradSetDir extends GoldenSetDir {
  forwardDir: string;
}

/** The gradient sets of a golden folder: each grad/keras-<version>/ with keras-<version>/, oldest first. */
export function gradSetDirs(goldenDir: string): GradSetDir[] {
  return versionDirs(join(goldenDir, 'grad')).map((set) => ({ ...set, forwardDir: join(goldenDir, `keras-${set.keras}`) }));
}

export function loadGradSetDir(set: Pick<GradSetDir, 'dir' | 'forwardDir'>): GradSet {
  return loadGradSet(directorySource(set.dir), directorySource(set.forwardDir));
}

/** The keras-<version>/ folders of `dir`, oldest first. */
function versionDirs(dir: string): GoldenSetDir[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => /^keras-(\d+\.\d+\.\d+)$/.exec(name)?.[1])
    .filter((v): v is string => v !== undefined)
    .sort(compareVersions)
    .map((keras) => ({ keras, dir: join(dir, `keras-${keras}`) }));
}

function manifestKeras(path: string): string {
  try {
    const keras = (JSON.parse(readFileSync(path, 'utf8')) as { versions?: { keras?: unknown } }).versions?.keras;
    return typeof keras === 'string' ? keras : 'unknown';
  } catch {
    return 'unknown';
  }
}
