#!/usr/bin/env node
/**
 * One Python environment per supported Keras version, and the golden generator run in each:
 *
 *   node scripts/golden-envs.mjs setup            # .venv/keras-<version>/ from tools/requirements/keras-<version>.txt
 *   node scripts/golden-envs.mjs generate [ARGS]  # tools/gen_golden.py ARGS in each, golden/keras-<version>/,
 *                                                 # then --grad ARGS, golden/grad/keras-<version>/
 *   node scripts/golden-envs.mjs check [ARGS]     # tools/gen_golden.py --check ARGS, then --grad --check ARGS
 *
 * With no ARGS but `--keras`, generate and check also take the training step of golden/composition/
 * (tools/gen_composition.py).
 *
 * `--keras 3.15.1` (anywhere in ARGS) limits it to one version. The versions are the requirements files:
 * adding one there is what makes `npm run golden:setup` build its environment (docs/adding-a-keras-version.md).
 * The gradient set is taken on the forward set just written, so it comes second. `--grad` in ARGS runs the
 * gradient pass alone; with `--out` or `--doc` (one folder, one document: the forward set's) it is left out.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REQUIREMENTS = join(ROOT, 'tools', 'requirements');

function versions() {
  return readdirSync(REQUIREMENTS)
    .map((name) => /^keras-(\d+\.\d+\.\d+)\.txt$/.exec(name)?.[1])
    .filter(Boolean)
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

function python(version) {
  return process.platform === 'win32'
    ? join(ROOT, '.venv', `keras-${version}`, 'Scripts', 'python.exe')
    : join(ROOT, '.venv', `keras-${version}`, 'bin', 'python');
}

function run(command, args) {
  console.error(`$ ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

/** gen_golden.py's argument lists: the forward set's, then the gradient set's (see the header). */
function passes(args) {
  if (args.includes('--grad')) return [args];
  if (args.includes('--out') || args.includes('--doc')) return [args];
  return [args, ['--grad', ...args]];
}

function main(argv) {
  const [task, ...rest] = argv;
  const at = rest.indexOf('--keras');
  const chosen = at >= 0 ? rest[at + 1] : undefined;
  const passed = at >= 0 ? [...rest.slice(0, at), ...rest.slice(at + 2)] : rest;
  const all = versions();
  if (chosen !== undefined && !all.includes(chosen)) {
    console.error(`--keras ${chosen}: no tools/requirements/keras-${chosen}.txt; supported: ${all.join(', ')}`);
    return 2;
  }
  let worst = 0;
  for (const version of chosen ? [chosen] : all) {
    let code;
    if (task === 'setup') {
      code = run('python3', ['-m', 'venv', join('.venv', `keras-${version}`)]);
      if (!code) code = run(python(version), ['-m', 'pip', 'install', '-q', '-r', join('tools', 'requirements', `keras-${version}.txt`)]);
    } else if (task === 'generate' || task === 'check') {
      const checking = task === 'check' ? ['--check'] : [];
      code = passes(passed).reduce((worst, args) => {
        return Math.max(worst, run(python(version), [join('tools', 'gen_golden.py'), ...checking, ...args]));
      }, 0);
      if (!passed.length) code = Math.max(code, run(python(version), [join('tools', 'gen_composition.py'), ...checking]));
    } else {
      console.error('usage: golden-envs.mjs setup|generate|check [--keras VERSION] [gen_golden.py arguments]');
      return 2;
    }
    worst = Math.max(worst, code);
  }
  return worst;
}

process.exit(main(process.argv.slice(2)));
