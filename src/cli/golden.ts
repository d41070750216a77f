/// <reference types="node" />
/**
 * `keras-parity golden`: regenerates golden/ with real Keras through tools/gen_golden.py, run by the
 * project's .venv python (or --python) through python-shell, after checking that Python and Keras are there.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { PythonShell } from 'python-shell';
import type { CommandSpec } from './args.js';
import { packageRoot, venvPython } from './paths.js';
import { StatusLine, paint, progressMode, useColor, type Output } from './progress.js';

export const GOLDEN: CommandSpec = {
  name: 'golden',
  brief: 'regenerates the goldens from real Keras 3.6.0 (needs Python: npm run golden:setup)',
  summary:
    'Regenerates the goldens from real Keras 3.6.0 (tools/gen_golden.py: JAX for the expected values, Keras\'s\n' +
    'tensorflow and numpy backends for comparison), with the project\'s .venv python unless --python is given.',
  options: [
    { name: 'python', value: 'PATH', help: 'the Python with the pinned Keras (default: .venv/bin/python, made by `npm run golden:setup`)' },
    { name: 'op', value: 'LIST', list: true, help: 'regenerate only these ops, comma-separated' },
    { name: 'out', value: 'DIR', help: 'golden folder to write (default: golden/)' },
    { name: 'check', help: 'regenerate into a temporary folder and fail, naming case ids, on any difference' },
    {
      name: 'progress',
      value: 'MODE',
      choices: ['auto', 'bar', 'lines', 'none'],
      help: 'auto (a status line on a terminal, else lines), bar, lines or none',
    },
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
  python?: string;
  ops?: string[];
  out?: string;
  check?: boolean;
  progress?: string;
}

/** The distributions gen_golden.py needs (tools/requirements.txt), by the name pip installs them under. */
const REQUIRED = ['keras', 'jax', 'jaxlib', 'numpy', 'safetensors'];

const SETUP = 'npm run golden:setup';

/** What the Python has: its version, and each distribution's version or null; fast (no imports). */
const CHECK_SCRIPT = `
import json, sys
from importlib import metadata
def version(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
names = ${JSON.stringify([...REQUIRED, 'tensorflow', 'tensorflow-cpu'])}
print(json.dumps({"python": sys.version.split()[0], "packages": {n: version(n) for n in names}}))
`;

interface PythonCheck {
  python: string;
  packages: Record<string, string | null>;
}

export async function goldenCommand(options: GoldenOptions, stdout: Output = process.stdout, stderr: Output = process.stderr): Promise<number> {
  const color = useColor(stderr);
  const fail = (lines: string[]) => {
    stderr.write(`${paint(color, 'red', 'keras-parity golden')}: ${lines.join('\n')}\n`);
    return 3;
  };
  const root = packageRoot();
  const script = join(root, 'tools', 'gen_golden.py');
  if (!existsSync(script)) {
    return fail([
      `${script} is not part of this installation.`,
      'The goldens are generated in a clone of the keras-parity repository (tools/ is not published).',
    ]);
  }
  // A bare name (python3) is looked up on PATH; anything with a slash is a path.
  const python = !options.python ? venvPython() : /[\\/]/.test(options.python) ? resolve(options.python) : options.python;
  const requirements = relative(process.cwd(), join(root, 'tools', 'requirements.txt'));
  const install = options.python
    ? [`  ${options.python} -m pip install -r ${requirements}`, `or create the project's .venv with \`${SETUP}\` and drop --python.`]
    : [`  ${SETUP}`];
  if (!options.python && !existsSync(python)) {
    return fail([
      `no Python environment for the goldens: ${relative(process.cwd(), python)} does not exist.`,
      'Create it (Python 3.11 with venv; installs keras 3.6.0, jax, tensorflow-cpu and numpy, about 600 MB) with:',
      `  ${SETUP}`,
      'or pass --python PATH to a Python that has them.',
    ]);
  }

  const check = await checkPython(python);
  if ('error' in check) {
    return fail([`cannot run Python at ${python}: ${check.error}`, `Install Python 3.11 and run \`${SETUP}\`, or pass --python PATH.`]);
  }
  const pinned = pinnedKeras(root);
  const missing = REQUIRED.filter((p) => !check.packages[p]);
  if (!check.packages.tensorflow && !check.packages['tensorflow-cpu']) missing.push('tensorflow-cpu');
  if (missing.length) {
    const what = missing.includes('keras') ? 'Keras is not installed' : 'packages are missing';
    return fail([`${what} in ${python} (Python ${check.python}): no ${missing.join(', ')}.`, 'Install them with:', ...install]);
  }
  if (pinned && check.packages.keras !== pinned) {
    return fail([
      `${python} has Keras ${check.packages.keras}; the goldens are made with Keras ${pinned} (tools/requirements.txt).`,
      'Install the pinned versions with:',
      ...install,
    ]);
  }

  const args = [
    ...(options.ops?.length ? ['--only', options.ops.join(',')] : []),
    ...(options.out ? ['--out', resolve(options.out)] : []),
    ...(options.check ? ['--check'] : []),
  ];
  const line = new StatusLine(stderr, progressMode(options.progress, stderr));
  line.log(
    `Keras ${check.packages.keras} (Python ${check.python}, ${relative(process.cwd(), python) || python}): ` +
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

/** Runs the check script; `{error}` when Python cannot be started or fails to run it. */
async function checkPython(python: string): Promise<PythonCheck | { error: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'keras-parity-'));
  const file = join(dir, 'check_python.py');
  writeFileSync(file, CHECK_SCRIPT);
  try {
    const lines: string[] = [];
    const errors: string[] = [];
    const result = await runPython(python, file, [], process.cwd(), (l) => lines.push(l), (l) => errors.push(l));
    if ('spawnError' in result) return { error: result.spawnError };
    if (result.code !== 0) return { error: `it exited with status ${result.code}: ${errors.filter(Boolean).slice(-1)[0] ?? ''}`.trim() };
    try {
      return JSON.parse(lines.join('\n')) as PythonCheck;
    } catch {
      return { error: `unexpected output from the check script: ${lines.join(' ').slice(0, 200)}` };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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

type PythonResult = { code: number | null; signal: string | null } | { spawnError: string };

function runPython(
  python: string,
  script: string,
  args: string[],
  cwd: string,
  onStdout: (line: string) => void,
  onStderr: (line: string) => void,
): Promise<PythonResult> {
  return new Promise((done) => {
    let shell: PythonShell;
    try {
      shell = new PythonShell(script, {
        pythonPath: python,
        pythonOptions: ['-u'],
        args,
        cwd,
        mode: 'text',
        env: { ...process.env, PYTHONUNBUFFERED: '1' },
      });
    } catch (e) {
      done({ spawnError: e instanceof Error ? e.message : String(e) });
      return;
    }
    shell.on('message', (l: string) => onStdout(l));
    shell.on('stderr', (l: string) => onStderr(l));
    shell.on('error', (e: NodeJS.ErrnoException) =>
      done({ spawnError: e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'not executable' : e.message }),
    );
    // python-shell reports a non-zero exit as an error too; the status is what matters here.
    shell.end((_err, code, signal) => done({ code, signal }));
  });
}

/** `keras==3.6.0` from tools/requirements.txt. */
function pinnedKeras(root: string): string | undefined {
  try {
    return /^\s*keras\s*==\s*([^\s#;]+)/m.exec(readFileSync(join(root, 'tools', 'requirements.txt'), 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}
