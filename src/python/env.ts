/// <reference types="node" />
/**
 * Finding the Python with a pinned Keras version (the project's .venv/keras-<version>, or a --python PATH)
 * and saying, in one
 * message with the command that fixes it, what is missing: Python itself, Keras, JAX or another package.
 * Shared by `keras-parity golden` and the fuzzer's Keras oracle.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { PythonShell } from 'python-shell';
import { requirementsFile, venvPython } from '../paths.js';

export const SETUP = 'npm run golden:setup';

/** Distributions by the name pip installs them under; `a|b` is satisfied by either. */
export type Requirement = string;

export interface PythonReady {
  /** The interpreter to run: an absolute path, or a bare name looked up on PATH. */
  python: string;
  version: string;
  packages: Record<string, string | null>;
}

/** What is wrong, in lines: the cause, then the command that fixes it. */
export interface PythonProblem {
  problem: string[];
}

/** The interpreter `option` names (a bare name is looked up on PATH), or the python of Keras `keras`'s environment. */
export function pythonPath(option: string | undefined, keras: string): string {
  if (!option) return venvPython(keras);
  return /[\\/]/.test(option) ? resolve(option) : option;
}

/**
 * Checks that `option` (or the environment of Keras `keras`) runs and has every requirement, with Keras
 * at version `keras` (tools/requirements/keras-<version>.txt). Fast: the check imports nothing but
 * importlib.metadata.
 */
export async function preparePython(option: string | undefined, required: readonly Requirement[], keras: string): Promise<PythonReady | PythonProblem> {
  const python = pythonPath(option, keras);
  const requirements = relative(process.cwd(), requirementsFile(keras));
  const install = option
    ? [`  ${option} -m pip install -r ${requirements}`, `or create the project's .venv with \`${SETUP}\` and drop --python.`]
    : [`  ${SETUP}`];
  if (!option && !existsSync(python)) {
    return {
      problem: [
        `no Python environment with Keras: ${relative(process.cwd(), python)} does not exist.`,
        `Create it (Python 3.11 with venv; installs keras ${keras}, jax, tensorflow-cpu and numpy, about 600 MB per Keras version) with:`,
        `  ${SETUP}`,
        'or pass --python PATH to a Python that has them.',
      ],
    };
  }
  const names = required.flatMap((r) => r.split('|'));
  const check = await checkPython(python, names);
  if ('error' in check) {
    return { problem: [`cannot run Python at ${python}: ${check.error}`, `Install Python 3.11 and run \`${SETUP}\`, or pass --python PATH.`] };
  }
  const missing = required.filter((r) => !r.split('|').some((n) => check.packages[n])).map((r) => r.split('|')[0]);
  if (missing.length) {
    const what = missing.includes('keras') ? 'Keras is not installed' : 'packages are missing';
    return { problem: [`${what} in ${python} (Python ${check.python}): no ${missing.join(', ')}.`, 'Install them with:', ...install] };
  }
  if (check.packages.keras && check.packages.keras !== keras) {
    return {
      problem: [
        `${python} has Keras ${check.packages.keras}, not Keras ${keras} (${requirements}).`,
        'Install the pinned versions with:',
        ...install,
      ],
    };
  }
  return { python, version: check.python, packages: check.packages };
}

/** What the Python has: its version, and each distribution's version or null; no imports. */
const checkScript = (names: readonly string[]) => `
import json, sys
from importlib import metadata
def version(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
names = ${JSON.stringify(names)}
print(json.dumps({"python": sys.version.split()[0], "packages": {n: version(n) for n in names}}))
`;

interface PythonCheck {
  python: string;
  packages: Record<string, string | null>;
}

/** Runs the check script; `{error}` when Python cannot be started or fails to run it. */
async function checkPython(python: string, names: readonly string[]): Promise<PythonCheck | { error: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'keras-parity-'));
  const file = join(dir, 'check_python.py');
  writeFileSync(file, checkScript(names));
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

export type PythonResult = { code: number | null; signal: string | null } | { spawnError: string };

/** Why a spawn failed, in words. */
export function spawnErrorText(e: NodeJS.ErrnoException): string {
  return e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'not executable' : e.message;
}

/** Runs a script to its end, stdout and stderr line by line. */
export function runPython(
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
    shell.on('error', (e: NodeJS.ErrnoException) => done({ spawnError: spawnErrorText(e) }));
    // python-shell reports a non-zero exit as an error too; the status is what matters here.
    shell.end((_err, code, signal) => done({ code, signal }));
  });
}
