/// <reference types="node" />
/** docs/keras-version-changes.md from a folder of golden sets (Node: reads the files). */
import { loadGolden } from '../golden/loader.js';
import { directorySource, goldenSetDirs } from '../golden/node.js';
import { diffGoldenSets, type VersionDiff } from '../golden/versions.js';
import { renderVersionChanges } from './version-changes.js';

/** The oldest and the newest set under `root`, compared. */
export function versionDiff(root: string): VersionDiff {
  const sets = goldenSetDirs(root);
  if (sets.length < 2) throw new Error(`${root} holds ${sets.length} golden set(s); comparing versions needs two`);
  const [older, newer] = [sets[0], sets[sets.length - 1]].map((s) => loadGolden(directorySource(s.dir)));
  return diffGoldenSets(older, newer);
}

export function versionChangesDoc(root: string): string {
  return renderVersionChanges(versionDiff(root));
}
