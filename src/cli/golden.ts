/// <reference types="node" />
/**
 * `keras-parity golden`: regenerates golden/keras-<version>/ with real Keras through tools/gen_golden.py,
 * run by each version's environment's python (or --python) through python-shell, after checking that
 * Python and that Keras are there.
 */
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { packageRoot } from '../paths.js';
import { preparePython, runPython } from '../python/env.js';
import { KERAS_VERSIONS, type KerasVersion } from '../keras-versions.js';
import { PROGRESS_OPTION, UsageError, kerasOption, type CommandSpec } from './args.js';
import { StatusLine, paint, progressMode, useColor, type Output } from './progress.js';

export const GOLDEN: CommandSpec = {
  name: 'golden',
  brief: 'regenerates the goldens from real Keras, each version (needs Python: npm run golden:setup)',
  summary:
    'Regenerates the goldens of each Keras version from real Keras (tools/gen_golden.py: JAX for the expected\n' +
    "values, Keras's tensorflow and numpy backends for comparison), with that version's environment\n" +
    '(.venv/keras-<version>) unless --python is given.',
  options: [
    kerasOption('every supported version'),
    { name: 'python', value: 'PATH', help: 'with one --keras: a Python with that Keras (default: .venv/keras-<version>/bin/python)' },
    { name: 'op', value: 'LIST', list: true, help: 'regenerate only these ops, comma-separated' },
    { name: 'out', value: 'DIR', help: 'with one --keras: the golden folder to write (default: golden/keras-<version>/)' },
    { name: 'check', help: 'regenerate into a temporary folder and fail, naming case ids, on any difference' },
    PROGRESS_OPTION,
  ],
  details: [
    'Set up Python once (Python 3.11 with venv; about 600 MB from PyPI):',
    '  npm run golden:setup',
    '',
    'Exit status: 0 done, 1 the generator failed (or --check found differences), 2 a usage error,',
    '3 Python, Keras or tools/gen_golden.py is missing.',
  ].join('\n'),
};

export interface GoldenOptions {
  /** The versions to generate (default: every supported one). */
  keras?: readonly KerasVersion[];
  python?: string;
  ops?: string[];
  out?: string;
  check?: boolean;
  progress?: string;
  /** The repository whose tools/ and golden/ are used (default: this package's); `keras-parity fuzz --save` specs use a copy. */
  root?: string;
}

/** The distributions gen_golden.py needs (tools/requirements/keras-<version>.txt), by the name pip installs them under. */
const REQUIRED = ['keras', 'jax', 'jaxlib', 'numpy', 'safetensors', 'tensorflow-cpu|tensorflow'];

export async function goldenCommand(options: GoldenOptions, stdout: Output = process.stdout, stderr: Output = process.stderr): Promise<number> {
  const versions = options.keras?.length ? options.keras : KERAS_VERSIONS;
  if (versions.length > 1 && (options.python || options.out)) {
    throw new UsageError(`golden: --python and --out name one Keras version's environment and folder: give one --keras (${versions.join(', ')} given)`, 'golden');
  }
  let worst = 0;
  for (const keras of versions) worst = Math.max(worst, await goldenFor(keras, options, stdout, stderr));
  return worst;
}

async function goldenFor(keras: KerasVersion, options: GoldenOptions, stdout: Output, stderr: Output): Promise<number> {
  const color = useColor(stderr);
  const fail = (lines: string[]) => {
    stderr.write(`${paint(color, 'red', 'keras-parity golden')}: ${lines.join('\n')}\n`);
    return 3;
  };
  const root = options.root ?? packageRoot();
  const script = join(root, 'tools', 'gen_golden.py');
  if (!existsSync(script)) {
    return fail([
      `${script} is not part of this installation.`,
      'The goldens are generated in a clone of the keras-parity repository (tools/ is not published).',
    ]);
  }
  const ready = await preparePython(options.python, REQUIRED, keras);
  if ('problem' in ready) return fail(ready.problem);
  const { python } = ready;

  const args = [
    ...(options.ops?.length ? ['--only', options.ops.join(',')] : []),
    ...(options.out ? ['--out', resolve(options.out)] : []),
    ...(options.check ? ['--check'] : []),
    '--progress',
  ];
  const line = new StatusLine(stderr, progressMode(options.progress, stderr));
  line.log(
    `Keras ${ready.packages.keras} (Python ${ready.version}, ${relative(process.cwd(), python) || python}): ` +
      `tools/gen_golden.py ${args.join(' ')}`.trimEnd(),
  );
  const code = await runGenerator(python, script, args, root, stdout, line);
  line.done();
  if (code !== 0) {
    stderr.write(`${paint(color, 'red', 'keras-parity golden')}: tools/gen_golden.py exited with status ${code}\n`);
    return 1;
  }
  return 0;
}

/**
 * gen_golden.py's stdout goes to ours; its stderr lines are progress: each shows above a status line with
 * the elapsed time. A line `progress <done>/<total> [label]` (should the generator print one) draws a bar.
 */
async function runGenerator(python: string, script: string, args: string[], cwd: string, stdout: Output, line: StatusLine): Promise<number> {
  let latest = 'starting Keras (JAX, then the tensorflow and numpy workers)';
  let bar: { done: number; total: number; label: string } | undefined;
  const redraw = () => {
    const text = bar
      ? line.bar(bar.done, bar.total, `${bar.label}  ${line.elapsed()}`)
      : `${line.spinner()} ${line.elapsed()}  ${latest}`;
    line.update(text);
  };
  const timer = setInterval(redraw, 100);
  try {
    const result = await runPython(
      python,
      script,
      args,
      cwd,
      (l) => {
        line.done();
        stdout.write(`${l}\n`);
      },
      (l) => {
        const m = /^progress (\d+)\/(\d+)\s*(.*)$/.exec(l);
        if (m) {
          const previous = bar;
          bar = { done: Number(m[1]), total: Number(m[2]), label: m[3] };
          // Without a status line (a log, CI), a line per tenth done.
          if (line.mode === 'lines' && tenths(bar) !== (previous ? tenths(previous) : 0)) {
            line.log(`${Math.floor((100 * bar.done) / bar.total)}%  ${bar.label}`);
          }
        } else if (l.trim()) {
          latest = l.trim();
          line.log(l);
        }
        redraw();
      },
    );
    if ('spawnError' in result) {
      line.log(`cannot run ${python}: ${result.spawnError}`);
      return 1;
    }
    return result.code ?? 1;
  } finally {
    clearInterval(timer);
  }
}

const tenths = (p: { done: number; total: number }) => Math.floor((10 * p.done) / Math.max(p.total, 1));
