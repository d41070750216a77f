/**
 * Makes package.json's bin files executable after tsc wrote them (as 0644). npm does this for a package
 * it installs, but not for the project's own bins in a clone, where `npx keras-parity` would then fail
 * with "Permission denied".
 */
import { chmodSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { bin = {} } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
for (const file of typeof bin === 'string' ? [bin] : Object.values(bin)) chmodSync(join(ROOT, file), 0o755);
