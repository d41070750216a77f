/**
 * Differential fuzzing of one op on one backend against live Keras: fast-check draws calls from the op's
 * generators (valid ones, and invalid ones Keras rejects), Keras answers each once (cached, so backends
 * and shrinking steps share answers), and the call replays through the golden runner, so it is compared
 * exactly as a golden case is. A mismatch is shrunk by fast-check to a small call. Platform neutral: the
 * oracle is any object with `call` (src/fuzz/oracle.ts on Node), and the backend a CaseRunner (./runner.ts),
 * here or in a page.
 */
import * as fc from 'fast-check';
import type { Expected, GoldenCase, GoldenValue } from '../golden/cases.js';
import { CALL_EXCLUSIONS } from '../golden/exclusions.js';
import { callExclusionFor, type CallExclusionEntry } from '../golden/policy.js';
import { formatFailure } from '../golden/report.js';
import { classify, type CaseResult } from '../golden/run.js';
import { forKeras, type FuzzCall, type OpGenerators } from './call.js';
import { NEWEST_KERAS, type KerasVersion } from '../keras-versions.js';
import { reduceCall } from './reduce.js';
import { localRunner, type CaseRunner } from './runner.js';
import { ORACLE, callKey, type GradAnswer } from './wire.js';

/** What the runner needs of Keras. */
export interface Oracle {
  call(op: string, args: readonly GoldenValue[], kwargs: Readonly<Record<string, GoldenValue>>): Promise<Expected>;
}

/** What the gradient runner (./grad.ts) needs of Keras: jax.vjp of a call, cotangents drawn from `seed`. */
export interface GradOracle {
  grad(op: string, args: readonly GoldenValue[], kwargs: Readonly<Record<string, GoldenValue>>, seed: readonly number[]): Promise<GradAnswer>;
}

/** Answers each distinct call (and each distinct gradient request) once. */
export class CachedOracle implements Oracle, GradOracle {
  private readonly answers = new Map<string, Promise<unknown>>();
  calls = 0;
  hits = 0;

  constructor(private readonly oracle: Oracle & Partial<GradOracle>) {}

  call(op: string, args: readonly GoldenValue[], kwargs: Readonly<Record<string, GoldenValue>>): Promise<Expected> {
    return this.once(callKey(op, args, kwargs), () => this.oracle.call(op, args, kwargs));
  }

  grad(op: string, args: readonly GoldenValue[], kwargs: Readonly<Record<string, GoldenValue>>, seed: readonly number[]): Promise<GradAnswer> {
    const { oracle } = this;
    if (!oracle.grad) throw new Error('this oracle takes no gradients');
    return this.once(`grad ${seed.join(',')} ${callKey(op, args, kwargs)}`, () => oracle.grad!(op, args, kwargs, seed));
  }

  private once<T>(key: string, ask: () => Promise<T>): Promise<T> {
    this.calls++;
    const known = this.answers.get(key);
    if (known) {
      this.hits++;
      return known as Promise<T>;
    }
    const answer = ask();
    this.answers.set(key, answer);
    // A failed call (the oracle could not start) is not remembered.
    answer.catch(() => this.answers.delete(key));
    return answer;
  }
}

export type CallKind = 'valid' | 'invalid';

export interface Drawn {
  kind: CallKind;
  call: FuzzCall;
}

export interface FuzzOptions {
  /** The run's seed; each op draws from its own stream derived from it and the op's name (opSeed). */
  seed: number;
  /** Calls per op and backend. */
  numRuns: number;
  /** Share of invalid calls where the op has an invalid generator (default 0.2). */
  invalidShare?: number;
  /** Calls not run on a backend, by what they hold (default: src/golden/exclusions.ts's CALL_EXCLUSIONS). */
  exclusions?: readonly CallExclusionEntry[];
  /** After each drawn call (not the shrinking steps), with how many ran so far. */
  onCall?: (runs: number) => void;
  /** The Keras version the oracle runs, whose ops replay the calls (default: the newest). */
  keras?: KerasVersion;
}

export interface Mismatch {
  kind: CallKind;
  /** The shrunk and reduced call. */
  call: FuzzCall;
  expected: Expected;
  result: CaseResult;
  /** formatFailure's report: the call, the measured errors, the first mismatching elements. */
  report: string;
  /** fast-check's shrinking steps, then the tensor reductions kept (./reduce.ts). */
  shrinks: number;
  reductions: number;
  /** fast-check's path to the counterexample, to replay it. */
  path: string | null;
}

export interface FuzzResult {
  op: string;
  backend: string;
  seed: number;
  /** Calls run before the first mismatch (all of them when none). */
  runs: number;
  valid: number;
  invalid: number;
  passed: number;
  /** Keras computed a result and the backend raised UnsupportedError: a known limit, not a failure. */
  unsupported: number;
  /** Calls not run because an exclusion covers them on this backend, by its reason. */
  excluded: Record<string, number>;
  /** Calls Keras gave no result for (the oracle crashed or timed out), with why: reported, not compared. */
  noKerasResult: { call: FuzzCall; why: string }[];
  /** Generator quality: "valid" calls that Keras rejected, "invalid" ones it accepted. */
  validRejected: number;
  invalidAccepted: number;
  mismatch?: Mismatch;
  seconds: number;
}

/** The golden case a fuzz call and Keras's answer make; its id stays in the op's namespace for the tolerance table. */
export function caseOf(call: FuzzCall, expected: Expected, keras: KerasVersion = NEWEST_KERAS, id = `${call.op}/fuzz`): GoldenCase {
  return { id, op: call.op, args: call.args, kwargs: call.kwargs, expected, tolerance: call.tolerance ?? null, backends: {}, keras };
}

/**
 * The seed fast-check gets for `op`: the run's seed mixed with the op's name (FNV-1a), so that ops do not
 * all draw the same sequence of choices (valid or invalid, first shape...), while `--op X --seed S` still
 * repeats exactly what a run over every op did for X.
 */
export function opSeed(seed: number, op: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < op.length; i++) h = Math.imul(h ^ op.charCodeAt(i), 0x01000193);
  return (h ^ seed) | 0;
}

/** The valid and invalid calls of one op, tagged, mixed `1 - invalidShare` to `invalidShare`, as Keras `keras` can make them. */
export function drawCalls(generators: OpGenerators, invalidShare = 0.2, keras: KerasVersion = NEWEST_KERAS): fc.Arbitrary<Drawn> {
  const valid = generators.valid.map((call): Drawn => ({ kind: 'valid', call: forKeras(call, keras) }));
  if (!generators.invalid || invalidShare <= 0) return valid;
  const invalid = generators.invalid.map((call): Drawn => ({ kind: 'invalid', call: forKeras(call, keras) }));
  const weight = Math.round(invalidShare * 100);
  return fc.oneof({ arbitrary: valid, weight: 100 - weight }, { arbitrary: invalid, weight });
}

/**
 * Runs `numRuns` calls of the op against `oracle` on `backend`: a backend of this process by name (the
 * active backend is restored after), or any CaseRunner.
 */
export async function fuzzOp(op: string, backend: string | CaseRunner, generators: OpGenerators, oracle: Oracle, options: FuzzOptions): Promise<FuzzResult> {
  const runner = typeof backend === 'string' ? localRunner(backend) : backend;
  const end = await runner.begin();
  try {
    return await fuzzActive(op, runner, generators, oracle, options);
  } finally {
    await end();
  }
}

async function fuzzActive(op: string, runner: CaseRunner, generators: OpGenerators, oracle: Oracle, options: FuzzOptions): Promise<FuzzResult> {
  const started = Date.now();
  const exclusions = options.exclusions ?? CALL_EXCLUSIONS;
  const result: FuzzResult = {
    op, backend: runner.backend, seed: options.seed, runs: 0, valid: 0, invalid: 0, passed: 0, unsupported: 0, excluded: {},
    noKerasResult: [], validRejected: 0, invalidAccepted: 0, seconds: 0,
  };
  const keras = options.keras ?? NEWEST_KERAS;
  const found = await firstFailing(drawCalls(generators, options.invalidShare, keras), { seed: opSeed(options.seed, op), numRuns: options.numRuns }, async ({ kind, call }, shrinking) => {
    const expected = await oracle.call(call.op, call.args, call.kwargs);
    const c = caseOf(call, expected, keras);
    // As the conformance suite leaves an excluded case out: not run, not a failure, shrinking avoids it.
    const exclusion = callExclusionFor(exclusions, c, runner.backend);
    const outcome: CaseResult = exclusion ? { ok: true, outputs: [] } : await runner.run(c);
    const verdict = exclusion ? 'excluded' : outcome.noKerasResult ? 'no-result' : classify(c, outcome);
    if (!shrinking) {
      if (exclusion) result.excluded[exclusion.why] = (result.excluded[exclusion.why] ?? 0) + 1;
      count(result, kind, call, expected, verdict, outcome);
      options.onCall?.(result.runs);
    }
    return verdict !== 'failed';
  });
  if (found) result.mismatch = await describeMismatch(found.value, runner, oracle, { exclusions, keras }, found.details);
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

/**
 * fast-check's run of `test` over `values`: the first value that fails it, shrunk by fast-check, or
 * undefined. `test` is told when fast-check is shrinking (its calls then are no new draws); what it throws
 * (no oracle) ends the run and is thrown here.
 */
export async function firstFailing<T>(
  values: fc.Arbitrary<T>,
  params: { seed: number; numRuns: number },
  test: (value: T, shrinking: boolean) => Promise<boolean>,
): Promise<{ value: T; details: fc.RunDetails<[T]> } | undefined> {
  // Once a value fails, the rest are fast-check's shrinking steps.
  let shrinking = false;
  let fatal: unknown;
  const property = fc.asyncProperty(values, async (value) => {
    if (fatal !== undefined) return true;
    let ok: boolean;
    try {
      ok = await test(value, shrinking);
    } catch (e) {
      fatal = e; // the run cannot go on (the caller reports why)
      return true;
    }
    if (!ok) shrinking = true;
    return ok;
  });
  const details = await fc.check(property, params);
  if (fatal !== undefined) throw fatal;
  if (details.failed && details.counterexample) return { value: details.counterexample[0], details };
  if (details.failed) {
    const error: unknown = details.errorInstance;
    throw error instanceof Error ? error : new Error(String(error));
  }
  return undefined;
}

function count(r: FuzzResult, kind: CallKind, call: FuzzCall, expected: Expected, verdict: string, outcome: CaseResult): void {
  r.runs++;
  r[kind]++;
  if (verdict === 'passed') r.passed++;
  if (verdict === 'unsupported') r.unsupported++;
  if (verdict === 'no-result') r.noKerasResult.push({ call, why: outcome.failure ?? '' });
  const kerasRaised = 'error' in expected && expected.error.origin !== ORACLE;
  if (kind === 'valid' && kerasRaised) r.validRejected++;
  if (kind === 'invalid' && 'outputs' in expected) r.invalidAccepted++;
}

async function describeMismatch(
  drawn: Drawn,
  runner: CaseRunner,
  oracle: Oracle,
  { exclusions, keras }: { exclusions: readonly CallExclusionEntry[]; keras: KerasVersion },
  details: fc.RunDetails<[Drawn]>,
): Promise<Mismatch> {
  const replay = async (call: FuzzCall) => {
    const expected = await oracle.call(call.op, call.args, call.kwargs);
    const c = caseOf(call, expected, keras);
    const result = await runner.run(c);
    // A reduction into an excluded call is no longer this mismatch.
    const excluded = !!callExclusionFor(exclusions, c, runner.backend);
    return { expected, c, result, failed: !excluded && !result.noKerasResult && classify(c, result) === 'failed' };
  };
  const first = await replay(drawn.call);
  const signature = failureKind(first.expected, first.result);
  const reduced = await reduceCall(drawn.call, async (call) => {
    const r = await replay(call);
    return r.failed && failureKind(r.expected, r.result) === signature;
  });
  const { expected, c, result } = await replay(reduced.call);
  return {
    kind: drawn.kind,
    call: reduced.call,
    expected,
    result,
    report: formatFailure(c, runner.backend, result),
    shrinks: details.numShrinks,
    reductions: reduced.steps,
    path: details.counterexamplePath,
  };
}

/**
 * What kind of failure a call has, so that a reduction keeps it: what Keras did (outputs, or its error
 * class) and the failure's first words without numbers (`output # differs from Keras`, `raised KerasTypeError`).
 */
function failureKind(expected: Expected, result: CaseResult): string {
  return `${'outputs' in expected ? 'outputs' : `error ${expected.error.class}`} | ${failureWords(result)}`;
}

/** A failure's first words without numbers: `output # differs from Keras`, `raised KerasTypeError`. */
export function failureWords(result: CaseResult): string {
  return (result.failure ?? '').split('\n')[0].replace(/\d+/g, '#').replace(/[:(].*$/, '');
}
