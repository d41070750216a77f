/**
 * Gradient fuzzing (`keras-parity fuzz --grad`) of one op on one backend: the op's generated calls that
 * Keras runs and that pass a float32 tensor go through `jax.vjp` in the oracle (tools/oracle.py's `grad`,
 * tools/golden/grad.py's code, as the gradient goldens), with one cotangent per output drawn from the
 * run's seed, the op and the call's index; each becomes a gradient case (src/golden/grad.ts) that replays
 * through the backend's `ops.vjp` and pullback and is compared as a gradient golden case is, with the
 * op's tolerance rule and GRADIENT_TOLERANCES. A mismatch is shrunk as a forward one (./run.ts).
 * Platform neutral, as ./run.ts.
 */
import type * as fc from 'fast-check';
import type { FuzzCall, OpGenerators } from './call.js';
import { forKeras } from './call.js';
import { CALL_EXCLUSIONS, GRADIENT_EXCLUSIONS } from '../golden/exclusions.js';
import type { GradCase } from '../golden/grad.js';
import { callExclusionFor, exclusionFor, type CallExclusionEntry, type ExclusionEntry } from '../golden/policy.js';
import { formatFailure } from '../golden/report.js';
import { classify, type CaseResult } from '../golden/run.js';
import { NEWEST_KERAS, type KerasVersion } from '../keras-versions.js';
import { reduceCall } from './reduce.js';
import { caseOf, failureWords, firstFailing, opSeed, type FuzzOptions, type GradOracle } from './run.js';
import { localRunner, type CaseRunner } from './runner.js';
import type { GradAnswer } from './wire.js';

export interface GradFuzzOptions extends Omit<FuzzOptions, 'invalidShare' | 'exclusions'> {
  /** Forward limits (default CALL_EXCLUSIONS: the forward runs inside ops.vjp) and gradient cases left out (default GRADIENT_EXCLUSIONS). */
  exclusions?: readonly CallExclusionEntry[];
  gradientExclusions?: readonly ExclusionEntry[];
}

export interface GradMismatch {
  /** The shrunk and reduced call, and its gradient case (cotangents and jax.vjp's gradients). */
  call: FuzzCall;
  case: GradCase;
  result: CaseResult;
  report: string;
  shrinks: number;
  reductions: number;
  path: string | null;
}

export interface GradFuzzResult {
  op: string;
  backend: string;
  seed: number;
  /** Calls drawn before the first mismatch (all of them when none). */
  runs: number;
  /** Calls whose gradients were compared. */
  checked: number;
  passed: number;
  /** Calls with no gradient to check, by why (Keras rejected the call, it passes no float32 tensor...). */
  skipped: Record<string, number>;
  /** jax.vjp gave gradients and the backend raised UnsupportedError. */
  unsupported: number;
  excluded: Record<string, number>;
  noKerasResult: { call: FuzzCall; why: string }[];
  /** The backend has no backward rule for the op yet: no call was drawn. */
  noRule: boolean;
  /** tools/golden/grad.py has no tolerance rule for the op yet: its gradients met the default tolerance (and GRADIENT_TOLERANCES). */
  defaultTolerance: boolean;
  mismatch?: GradMismatch;
  seconds: number;
}

/** The oracle's seed words of the cotangents of call `index` of `op`: the run's seed, mixed with the op's name as opSeed does. */
export function cotangentSeed(seed: number, op: string, index: number): number[] {
  return [opSeed(seed, op) >>> 0, index];
}

/** The gradient case of a call and jax.vjp's answer; its id stays in the op's namespace for the tolerance and exclusion tables. */
export function gradCaseOf(call: FuzzCall, answer: Extract<GradAnswer, { outputs: unknown }>, keras: KerasVersion, id = `${call.op}/fuzz`): GradCase {
  const forward = caseOf(call, { outputs: answer.outputs }, keras, id);
  return { id, op: call.op, forward, cotangents: answer.cotangents, expected: answer.expected, tolerance: answer.tolerance };
}

/** What one call came to on the backend. */
type Checked =
  | { verdict: 'skipped' | 'no-result'; why: string }
  | { verdict: 'excluded'; why: string; c: GradCase }
  | { verdict: 'passed' | 'failed' | 'unsupported'; c: GradCase; result: CaseResult; rule: boolean };

interface Checker {
  check(call: FuzzCall, index: number): Promise<Checked>;
}

function checker(runner: CaseRunner, oracle: GradOracle, options: GradFuzzOptions, keras: KerasVersion): Checker {
  const exclusions = options.exclusions ?? CALL_EXCLUSIONS;
  const gradientExclusions = options.gradientExclusions ?? GRADIENT_EXCLUSIONS;
  return {
    async check(call, index) {
      const answer = await oracle.grad(call.op, call.args, call.kwargs, cotangentSeed(options.seed, call.op, index));
      if ('skip' in answer) return { verdict: 'skipped', why: answer.skip };
      if (!('outputs' in answer)) return { verdict: 'no-result', why: `${answer.error.class}: ${answer.error.message}` };
      const c = gradCaseOf(call, answer, keras);
      const excluded = callExclusionFor(exclusions, c.forward, runner.backend) ?? exclusionFor(gradientExclusions, c.forward, runner.backend);
      if (excluded) return { verdict: 'excluded', why: excluded.why, c };
      const result = await runner.runGrad(c);
      return { verdict: classify(c.forward, result), c, result, rule: answer.rule };
    },
  };
}

/**
 * Runs `numRuns` calls drawn from the op's valid generator against `oracle`'s jax.vjp on `backend` (a
 * backend of this process by name, or any CaseRunner); a backend without a backward rule for the op runs none.
 */
export async function fuzzGradOp(op: string, backend: string | CaseRunner, generators: OpGenerators, oracle: GradOracle, options: GradFuzzOptions): Promise<GradFuzzResult> {
  const runner = typeof backend === 'string' ? localRunner(backend) : backend;
  const started = Date.now();
  const result: GradFuzzResult = {
    op, backend: runner.backend, seed: options.seed, runs: 0, checked: 0, passed: 0, skipped: {}, unsupported: 0, excluded: {},
    noKerasResult: [], noRule: false, defaultTolerance: false, seconds: 0,
  };
  const end = await runner.begin();
  try {
    if (!runner.hasBackwardRule(op)) result.noRule = true;
    else await fuzzActive(result, runner, generators, oracle, options);
  } finally {
    await end();
  }
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

async function fuzzActive(result: GradFuzzResult, runner: CaseRunner, generators: OpGenerators, oracle: GradOracle, options: GradFuzzOptions): Promise<void> {
  const keras = options.keras ?? NEWEST_KERAS;
  const checks = checker(runner, oracle, options, keras);
  // Shrinking keeps the failing call's cotangent stream, so a smaller call meets the same kind of cotangents.
  let failing = 0;
  const calls: fc.Arbitrary<FuzzCall> = generators.valid.map((call) => forKeras(call, keras));
  const found = await firstFailing(calls, { seed: opSeed(options.seed, result.op), numRuns: options.numRuns }, async (call, shrinking) => {
    const index = shrinking ? failing : result.runs;
    const checked = await checks.check(call, index);
    if (!shrinking) {
      tally(result, call, checked);
      options.onCall?.(result.runs);
      failing = index;
    }
    return checked.verdict !== 'failed';
  });
  if (found) result.mismatch = await describeMismatch(found.value, failing, runner, checks, found.details);
}

function tally(r: GradFuzzResult, call: FuzzCall, checked: Checked): void {
  r.runs++;
  const add = (counts: Record<string, number>, why: string) => (counts[why] = (counts[why] ?? 0) + 1);
  if ('result' in checked) {
    r.checked++;
    if (checked.verdict === 'passed') r.passed++;
    if (checked.verdict === 'unsupported') r.unsupported++;
    if (!checked.rule) r.defaultTolerance = true;
  } else if (checked.verdict === 'skipped') add(r.skipped, checked.why);
  else if (checked.verdict === 'excluded') add(r.excluded, checked.why);
  else r.noKerasResult.push({ call, why: checked.why });
}

/** What kind of failure a gradient case has, so that a reduction keeps it: what jax.vjp did and the failure's first words. */
function failureKind(c: GradCase, result: CaseResult): string {
  return `${'gradients' in c.expected ? 'gradients' : `error ${c.expected.error.class}`} | ${failureWords(result)}`;
}

async function describeMismatch(call: FuzzCall, index: number, runner: CaseRunner, checks: Checker, details: fc.RunDetails<[FuzzCall]>): Promise<GradMismatch> {
  const replay = async (candidate: FuzzCall) => {
    const checked = await checks.check(candidate, index);
    return 'result' in checked && checked.verdict === 'failed' ? checked : undefined;
  };
  const first = (await replay(call))!;
  const signature = failureKind(first.c, first.result);
  const reduced = await reduceCall(call, async (candidate) => {
    const r = await replay(candidate);
    return !!r && failureKind(r.c, r.result) === signature;
  });
  const { c, result } = (await replay(reduced.call)) ?? first;
  return {
    call: reduced.call,
    case: c,
    result,
    report: formatFailure(c.forward, runner.backend, result),
    shrinks: details.numShrinks,
    reductions: reduced.steps,
    path: details.counterexamplePath,
  };
}
