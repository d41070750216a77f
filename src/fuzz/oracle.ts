/// <reference types="node" />
/**
 * The Keras oracle (Node only): one long-lived Python process running real Keras (one supported version) on JAX
 * (tools/oracle.py) through python-shell, answering calls with Keras's outputs, bit-exact, or the
 * exception Keras raised. Calls run one at a time, each with a timeout. A crash or a timeout answers the
 * call in flight with an outcome whose origin is the oracle (reported, never compared) and the next call
 * starts a fresh process. The process ends with close(), and with this process (exit, SIGINT, SIGTERM).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PythonShell } from 'python-shell';
import type { Expected, ExpectedError, GoldenValue } from '../golden/cases.js';
import { NEWEST_KERAS, type KerasVersion } from '../keras-versions.js';
import { packageRoot } from '../paths.js';
import { preparePython, spawnErrorText } from '../python/env.js';
import { decodeExpected, decodeGradAnswer, encodeValue, oracleError, type GradAnswer, type WireGradAnswer, type WireTensor } from './wire.js';
import { track, untrack } from './reaper.js';

/** What the oracle needs (tools/requirements/keras-<version>.txt): Keras, its JAX backend, numpy; safetensors for the versions. */
export const ORACLE_REQUIREMENTS = ['keras', 'jax', 'jaxlib', 'numpy', 'safetensors'];

export interface OracleOptions {
  /** The Keras version to run (default: the newest supported). */
  keras?: KerasVersion;
  /** The Python with that Keras (default: its environment's, .venv/keras-<version>). */
  python?: string;
  /** Per call, unless the call says otherwise (default 60 s). */
  timeoutMs?: number;
  /** For importing Keras and JAX (default 120 s). */
  startTimeoutMs?: number;
  /** The oracle script (default tools/oracle.py); specs give a wrapper that adds test ops. */
  script?: string;
  /** Every line the oracle writes to stderr (its warnings, a traceback). */
  onStderr?: (line: string) => void;
  /**
   * false: JAX as a user runs it, on every core with the host's ISA (for timing); its last bits may then
   * differ from the goldens'. Default true: the goldens' single-threaded AVX2 pins.
   */
  cpuPins?: boolean;
}

export interface CallOptions {
  timeoutMs?: number;
}

export interface TimeOptions extends CallOptions {
  /** Calls before measuring (compilation, caches); default 1. */
  warmup?: number;
  /** Measured calls; default 5. */
  repeat?: number;
  /**
   * One per output: time jax.vjp of the op and its pullback of these, in one compiled jax.jit (the
   * compilation is not timed), instead of the op.
   */
  cotangents?: readonly GoldenValue[];
}

/** Python, Keras or JAX is missing: `message` says which, and the command that fixes it. */
export class OracleUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OracleUnavailableError';
  }
}

/** A timed call that Keras refused: the error it raised. */
export class OracleCallError extends Error {
  constructor(readonly error: ExpectedError) {
    super(`${error.class}: ${error.message}`);
    this.name = 'OracleCallError';
  }
}

interface Fatal {
  message: string;
  /** The module that failed to import, when that is why. */
  missing: string;
}

/** The oracle's first line: Keras is imported (its versions), or why it is not. */
type Started = { versions?: Record<string, string>; fatal?: Fatal };

type Answer = { outputs?: WireTensor[]; error?: ExpectedError; seconds?: number[] } & Omit<WireGradAnswer, 'outputs' | 'error'>;

const STDERR_KEPT = 20;

/** One Python process speaking the protocol. */
class OracleProcess {
  private readonly shell: PythonShell;
  private pending: { id: number; done: (a: Answer) => void } | undefined;
  private nextId = 1;
  private exited = false;
  private readonly stderr: string[] = [];
  private onReady: ((m: Started) => void) | undefined;
  readonly ready: Promise<Started>;

  constructor(python: string, script: string, onStderr?: (line: string) => void, cpuPins = true) {
    this.ready = new Promise((done) => (this.onReady = done));
    this.shell = new PythonShell(script, {
      pythonPath: python,
      pythonOptions: ['-u'],
      cwd: packageRoot(),
      mode: 'text',
      env: { ...process.env, PYTHONUNBUFFERED: '1', KERAS_PARITY_ORACLE_CPU_PINS: cpuPins ? '1' : '0' },
    });
    track(this.shell.childProcess);
    this.shell.on('message', (line: string) => this.receive(line));
    this.shell.on('stderr', (line: string) => {
      this.stderr.push(line);
      if (this.stderr.length > STDERR_KEPT) this.stderr.shift();
      onStderr?.(line);
    });
    // A write to a process that just died fails with EPIPE; the exit below answers the call.
    this.shell.stdin?.on('error', () => undefined);
    this.shell.on('error', (e: NodeJS.ErrnoException) => this.end(`cannot run ${python}: ${spawnErrorText(e)}`));
    this.shell.on('pythonError', () => undefined);
    this.shell.childProcess.on('exit', (code, signal) => this.end(`exited with ${signal ?? `status ${code}`}`));
  }

  get pid(): number | undefined {
    return this.shell.childProcess.pid;
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** The last lines of stderr, one line, for messages. */
  lastWords(): string {
    const lines = this.stderr.filter((l) => l.trim());
    return lines.slice(-3).join(' | ');
  }

  request(message: Record<string, unknown>, timeoutMs: number): Promise<Answer> {
    return new Promise((done) => {
      if (this.exited) {
        done(crash('the Keras oracle had exited before this call'));
        return;
      }
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.pending = undefined;
        this.kill();
        done(oracleError('OracleTimeout', `no answer in ${timeoutMs} ms: the oracle was stopped; the next call starts a fresh one`));
      }, timeoutMs);
      this.pending = {
        id,
        done: (a) => {
          clearTimeout(timer);
          done(a);
        },
      };
      this.shell.send(JSON.stringify({ id, ...message }));
    });
  }

  /** Ends the process: its stdin closes (it exits at once), then SIGKILL if it lingers. */
  async close(graceMs = 2000): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((done) => this.shell.childProcess.once('exit', () => done()));
    this.shell.stdin?.end();
    const timer = setTimeout(() => this.kill(), graceMs);
    await gone;
    clearTimeout(timer);
  }

  kill(): void {
    if (!this.exited) this.shell.childProcess.kill('SIGKILL');
  }

  private receive(line: string): void {
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(line);
    } catch {
      return; // not a protocol line (the oracle keeps its stdout clean; a stray line is ignored)
    }
    if (m.ready || m.fatal) {
      this.onReady?.({ versions: (m.ready as Started | undefined)?.versions, fatal: m.fatal as Fatal | undefined });
      return;
    }
    if (this.pending && m.id === this.pending.id) {
      const { done } = this.pending;
      this.pending = undefined;
      done(m as Answer);
    }
  }

  private end(why: string): void {
    if (this.exited) return;
    this.exited = true;
    untrack(this.shell.childProcess);
    const words = this.lastWords();
    const message = `the Keras oracle ${why}${words ? `; its last words: ${words}` : ''}`;
    this.onReady?.({ fatal: { message, missing: '' } });
    if (this.pending) {
      const { done } = this.pending;
      this.pending = undefined;
      done(crash(`${message}. It restarts with the next call`));
    }
  }
}

function crash(message: string): Answer {
  return oracleError('OracleCrashed', message);
}

export class KerasOracle {
  private process: OracleProcess | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** How many times a crashed or stopped process was replaced. */
  restarts = 0;

  private constructor(
    private readonly python: string,
    private readonly script: string,
    private readonly options: OracleOptions,
    /** Versions of keras, jax, jaxlib, numpy, python... the oracle runs. */
    readonly versions: Readonly<Record<string, string>>,
    first: OracleProcess,
  ) {
    this.process = first;
  }

  /** Checks Python and Keras, starts the process and waits until Keras is imported. */
  static async start(options: OracleOptions = {}): Promise<KerasOracle> {
    const script = options.script ?? join(packageRoot(), 'tools', 'oracle.py');
    if (!existsSync(script)) {
      throw new OracleUnavailableError(
        `${script} is not part of this installation: the Keras oracle runs in a clone of the keras-parity repository (tools/ is not published).`,
      );
    }
    const ready = await preparePython(options.python, ORACLE_REQUIREMENTS, options.keras ?? NEWEST_KERAS);
    if ('problem' in ready) throw new OracleUnavailableError(ready.problem.join('\n'));
    const first = await launch(ready.python, script, options);
    return new KerasOracle(ready.python, script, options, first.versions, first.process);
  }

  /** The running process's id (none between a crash and the next call). */
  get pid(): number | undefined {
    return this.process?.alive ? this.process.pid : undefined;
  }

  /** Keras's outputs for `keras.ops.<op>(*args, **kwargs)`, or the error it raised. */
  call(op: string, args: readonly GoldenValue[], kwargs: Readonly<Record<string, GoldenValue>>, options: CallOptions = {}): Promise<Expected> {
    return this.serially(async () => {
      const answer = await this.request({ cmd: 'call', ...encodeCall(op, args, kwargs) }, options.timeoutMs);
      return decodeExpected(answer);
    });
  }

  /**
   * jax.vjp of `keras.ops.<op>(*args, **kwargs)` as the gradient goldens take it (tools/golden/grad.py),
   * one cotangent per output drawn from the `seed` words (non-negative integers), or why the call has no
   * gradient to check.
   */
  grad(op: string, args: readonly GoldenValue[], kwargs: Readonly<Record<string, GoldenValue>>, seed: readonly number[], options: CallOptions = {}): Promise<GradAnswer> {
    return this.serially(async () => decodeGradAnswer(await this.request({ cmd: 'grad', ...encodeCall(op, args, kwargs), seed }, options.timeoutMs)));
  }

  /** Seconds per call measured inside Python, each until JAX has the result ready (inputs already on the device). */
  time(op: string, args: readonly GoldenValue[], kwargs: Readonly<Record<string, GoldenValue>>, options: TimeOptions = {}): Promise<{ seconds: number[] }> {
    return this.serially(async () => {
      const { warmup = 1, repeat = 5, cotangents } = options;
      const vjp = cotangents ? { cotangents: cotangents.map(encodeValue) } : {};
      const answer = await this.request({ cmd: 'time', ...encodeCall(op, args, kwargs), warmup, repeat, ...vjp }, options.timeoutMs);
      if (answer.error) throw new OracleCallError(answer.error);
      return { seconds: answer.seconds ?? [] };
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue.catch(() => undefined);
    await this.process?.close();
    this.process = undefined;
  }

  private async request(message: Record<string, unknown>, timeoutMs = this.options.timeoutMs ?? 60_000): Promise<Answer> {
    if (this.closed) throw new Error('the Keras oracle is closed');
    if (!this.process?.alive) {
      this.process = (await launch(this.python, this.script, this.options)).process;
      this.restarts++;
    }
    return this.process.request(message, timeoutMs);
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.queue.then(fn);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

function encodeCall(op: string, args: readonly GoldenValue[], kwargs: Readonly<Record<string, GoldenValue>>) {
  return { op, args: args.map(encodeValue), kwargs: Object.fromEntries(Object.entries(kwargs).map(([k, v]) => [k, encodeValue(v)])) };
}

/** A process whose Keras is imported; OracleUnavailableError (with the fix) when it cannot get there. */
async function launch(python: string, script: string, options: OracleOptions): Promise<{ process: OracleProcess; versions: Record<string, string> }> {
  const proc = new OracleProcess(python, script, options.onStderr, options.cpuPins);
  const limit = options.startTimeoutMs ?? 120_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Started>((done) => {
    timer = setTimeout(() => done({ fatal: { message: `the Keras oracle did not start within ${limit} ms`, missing: '' } }), limit);
  });
  const m = await Promise.race([proc.ready, timeout]);
  clearTimeout(timer);
  if (m.versions && !m.fatal) return { process: proc, versions: m.versions };
  await proc.close(0);
  const fatal = m.fatal!;
  const fix = fatal.missing
    ? `\n${fatal.missing} cannot be imported in ${python}. Install the pinned versions with:\n  ${python} -m pip install -r tools/requirements/keras-${options.keras ?? NEWEST_KERAS}.txt\nor create the project's environments with \`npm run golden:setup\`.`
    : '';
  throw new OracleUnavailableError(`${fatal.message}${fix}`);
}
