/**
 * Writes docs/keras-version-changes.md (src/report/version-changes.ts) from the oldest and the newest golden
 * sets: `npm run changes`. With --check, writes nothing and exits 1 when the file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { versionChangesDoc } from '../src/report/version-changes-doc.js';
import { packageRoot } from '../src/paths.js';

const file = join(packageRoot(), 'docs', 'keras-version-changes.md');
const text = versionChangesDoc(join(packageRoot(), 'golden'));
if (process.argv.includes('--check')) {
  const stale = readFileSync(file, 'utf8') !== text;
  console.log(stale ? `${file} is stale: run npm run changes` : `${file} is up to date`);
  process.exit(stale ? 1 : 0);
}
writeFileSync(file, text);
console.log(`wrote ${file}`);
