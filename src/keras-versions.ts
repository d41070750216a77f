/**
 * The Keras releases keras-parity is checked against. The op table records in which minor release each
 * op, parameter and behaviour change came (`since: '3.7'`); a release is supported once it has its
 * golden set (golden/keras-<version>/) and its pinned Python environment (docs/adding-a-keras-version.md).
 */
import { formatValue } from './format.js';
import { KerasValueError } from './errors.js';

/** Oldest first. 3.6.0 is the seed and stays supported bit for bit; the last is the default. */
export const KERAS_VERSIONS = ['3.6.0', '3.15.1'] as const;
export type KerasVersion = (typeof KERAS_VERSIONS)[number];
export const NEWEST_KERAS: KerasVersion = KERAS_VERSIONS[KERAS_VERSIONS.length - 1];
export const SEED_KERAS: KerasVersion = KERAS_VERSIONS[0];

/**
 * A minor release an op, a parameter or a behaviour came in. `MinorsOf` lists, per supported version,
 * the minors it includes, so that the types of `keras-parity/keras-3.6` know only 3.6's names.
 */
export type KerasMinor = '3.6' | '3.7' | '3.8' | '3.9' | '3.10' | '3.11' | '3.12' | '3.13' | '3.14' | '3.15';
export interface MinorsOf {
  '3.6.0': '3.6';
  '3.15.1': KerasMinor;
}

/** Whether `version` (3.15.1) includes what came in `since` (3.7, or a full version). */
export function includes(version: string, since: string): boolean {
  return compareVersions(version, since) >= 0;
}

/** Numeric order of dotted versions; a missing part counts as 0 (3.7 = 3.7.0). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return Math.sign(d);
  }
  return 0;
}

export function isKerasVersion(value: unknown): value is KerasVersion {
  return (KERAS_VERSIONS as readonly unknown[]).includes(value);
}

/** A supported version, or a value error naming the argument, what it received and what is supported. */
export function kerasVersion(value: unknown, argument = 'version'): KerasVersion {
  if (isKerasVersion(value)) return value;
  throw new KerasValueError(
    `Argument \`${argument}\` must be a Keras version keras-parity supports: ${KERAS_VERSIONS.join(', ')}. ` +
      `Received: ${argument}=${formatValue(value)}`,
  );
}
