/// <reference types="node" />
/**
 * The identity of the golden sets a report replayed. Each set is named by its manifest's sha256 (the
 * manifest lists every golden file's sha256); the combination by one hash over them, so that two reports
 * of the same versions and goldens carry the same `golden.manifestSha256`.
 */
import { createHash } from 'node:crypto';
import { compareVersions } from '../keras-versions.js';
import type { ReportGolden, ReportGoldenSet } from './model.js';

/** The sets, oldest first, with the sha256 of their lines `<keras version> <manifest sha256>\n`. */
export function goldenOfSets(sets: readonly ReportGoldenSet[]): ReportGolden {
  const sorted = [...sets].sort((a, b) => compareVersions(a.keras, b.keras));
  const text = sorted.map((s) => `${s.keras} ${s.manifestSha256}\n`).join('');
  return { manifestSha256: createHash('sha256').update(text).digest('hex'), sets: sorted.map((s) => ({ ...s })) };
}
