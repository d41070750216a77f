/** Replays one golden case on the active backend with its Keras version's `ops.call(op, args, kwargs)`, then compares. */
import { complexTensor, tensor } from '../backend/convert.js';
import { Tensor } from '../backend/tensor.js';
import { SEED_KERAS } from '../keras-versions.js';
import { opsFor } from '../ops/api.js';
import type { Expected, GoldenCase, GoldenValue } from './cases.js';
import { compare, describeExpectedError, errorMismatch, type Comparison } from './compare.js';
import { toleranceFor, type EffectiveTolerance, type ToleranceEntry } from './policy.js';
import { GoldenTensor } from './safetensors.js';

/**
 * Origins of an expected error that Keras did not raise: the golden generator's worker or the fuzzer's
 * Keras oracle crashed or timed out. There is nothing to compare with; the case says so.
 */
const NO_KERAS_RESULT: ReadonlyMap<string, string> = new Map([
  ['gen_golden', 'tools/gen_golden.py'],
  ['oracle', 'the Keras oracle (tools/oracle.py)'],
]);

export interface OutputResult {
  tolerance: EffectiveTolerance;
  comparison: Comparison;
}

export interface CaseResult {
  ok: boolean;
  /** Why the case failed, in words; absent when it passed. */
  failure?: string;
  /** One per expected output that was compared (empty for error cases). */
  outputs: OutputResult[];
  /** Set when Keras gave no result to compare with (a crash or timeout); the case then fails. */
  noKerasResult?: true;
}

/** Runs `c` on the active backend, whose name `adapter` selects tolerance-table entries. */
export function runCase(c: GoldenCase, adapter: string, table: readonly ToleranceEntry[]): Promise<CaseResult> {
  return withTemporaries((made) => callAndCheck(c, adapter, table, made));
}

/**
 * `run` with a list to collect the tensors it makes, all released when it ends. Inputs too are released
 * only then: an adapter may hand an input's storage back as an output.
 */
export async function withTemporaries<T>(run: (made: Tensor[]) => Promise<T>): Promise<T> {
  const made: Tensor[] = [];
  try {
    return await run(made);
  } finally {
    made.forEach((t) => t.dispose());
  }
}

/**
 * runCase, with what it does not catch itself (a result that cannot be read back, say) made this case's
 * failure too, so one broken case never stops a run.
 */
export async function safeRunCase(c: GoldenCase, adapter: string, table: readonly ToleranceEntry[]): Promise<CaseResult> {
  try {
    return await runCase(c, adapter, table);
  } catch (e) {
    return verdict(`the runner failed: ${describeThrown(e)}`, []);
  }
}

/**
 * Unsupported: Keras computed a result and this backend raised UnsupportedError (a dtype or option it
 * cannot represent). A known limit, counted apart, not a failure of the run.
 */
export function classify(c: GoldenCase, result: CaseResult): 'passed' | 'failed' | 'unsupported' {
  if (result.ok) return 'passed';
  if ('outputs' in c.expected && /^raised UnsupportedError\b/.test(result.failure ?? '')) return 'unsupported';
  return 'failed';
}

async function callAndCheck(c: GoldenCase, adapter: string, table: readonly ToleranceEntry[], made: Tensor[]): Promise<CaseResult> {
  const missing = noKerasResult(c.expected);
  if (missing) return { ...verdict(missing, []), noKerasResult: true };
  let result: Tensor | Tensor[];
  try {
    const args = c.args.map((v) => materialize(v, made));
    const kwargs = Object.fromEntries(Object.entries(c.kwargs).map(([k, v]) => [k, materialize(v, made)]));
    result = opsFor(c.keras ?? SEED_KERAS).call(c.op, args, kwargs);
  } catch (e) {
    if ('error' in c.expected) return verdict(errorMismatch(e, c.expected.error) ?? undefined, []);
    return verdict(`raised ${describeThrown(e)}`, []);
  }
  const outputs = Array.isArray(result) ? result : [result];
  made.push(...outputs);
  if ('error' in c.expected) {
    return verdict(`returned ${outputs.map(String).join(', ')}, but ${describeExpectedError(c.expected.error)}`, []);
  }
  return compareOutputs(c, adapter, table, outputs, c.expected.outputs);
}

async function compareOutputs(
  c: GoldenCase,
  adapter: string,
  table: readonly ToleranceEntry[],
  got: Tensor[],
  want: GoldenTensor[],
): Promise<CaseResult> {
  if (got.length !== want.length) return verdict(`returned ${got.length} outputs, Keras ${want.length}`, []);
  const results: OutputResult[] = [];
  for (let i = 0; i < want.length; i++) {
    const tolerance = toleranceFor(c, adapter, want[i].dtype, table);
    const values = { shape: got[i].shape, dtype: got[i].dtype, data: await got[i].data() };
    results.push({ tolerance, comparison: compare(values, want[i], tolerance) });
  }
  const bad = results.findIndex((r) => !r.comparison.ok);
  return verdict(bad < 0 ? undefined : `output ${bad} differs from Keras`, results);
}

/** Why there is nothing to compare with, or undefined when Keras answered (outputs or its own error). */
function noKerasResult(expected: Expected): string | undefined {
  if (!('error' in expected)) return undefined;
  const { class: cls, message, origin } = expected.error;
  const source = NO_KERAS_RESULT.get(origin ?? '');
  return source && `no Keras result: ${source} recorded ${cls}: ${message}`;
}

export function verdict(failure: string | undefined, outputs: OutputResult[]): CaseResult {
  return failure === undefined ? { ok: true, outputs } : { ok: false, failure, outputs };
}

/** A recorded value with its tensors made on the active backend (collected in `made` to dispose). */
export function materialize(v: GoldenValue, made: Tensor[]): unknown {
  if (v instanceof GoldenTensor) {
    const t = v.dtype === 'complex64' ? complexTensor(v.data as Float32Array, [...v.shape]) : tensor(v.data, [...v.shape], v.dtype);
    made.push(t);
    return t;
  }
  if (Array.isArray(v)) return v.map((x) => materialize(x, made));
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, materialize(x, made)]));
  }
  return v;
}

export function describeThrown(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
