/**
 * Replays one gradient case on the active backend: the forward call through its Keras version's
 * `ops.vjp`, the recorded cotangents through the pullback, and each gradient compared with jax.vjp's as
 * an output is with Keras's (runCase's comparison and tolerance rules).
 */
import type { Tensor } from '../backend/tensor.js';
import { SEED_KERAS } from '../keras-versions.js';
import { opsFor } from '../ops/api.js';
import { compare, errorMismatch } from './compare.js';
import type { GradCase } from './grad.js';
import { toleranceFor, type ToleranceEntry } from './policy.js';
import { describeThrown, materialize, verdict, withTemporaries, type CaseResult, type OutputResult } from './run.js';
import type { GoldenTensor } from './safetensors.js';

export function runGradCase(c: GradCase, adapter: string, table: readonly ToleranceEntry[]): Promise<CaseResult> {
  return withTemporaries((made) => pullAndCheck(c, adapter, table, made));
}

/** runGradCase, with what it does not catch itself (a gradient that cannot be read back) made this case's failure, as safeRunCase. */
export async function safeRunGradCase(c: GradCase, adapter: string, table: readonly ToleranceEntry[]): Promise<CaseResult> {
  try {
    return await runGradCase(c, adapter, table);
  } catch (e) {
    return verdict(`the runner failed: ${describeThrown(e)}`, []);
  }
}

async function pullAndCheck(c: GradCase, adapter: string, table: readonly ToleranceEntry[], made: Tensor[]): Promise<CaseResult> {
  const { forward } = c;
  let grads: Record<string, Tensor>;
  try {
    const args = forward.args.map((v) => materialize(v, made));
    const kwargs = Object.fromEntries(Object.entries(forward.kwargs).map(([k, v]) => [k, materialize(v, made)]));
    const [outputs, pullback] = opsFor(forward.keras ?? SEED_KERAS).vjp(c.op, args, kwargs);
    made.push(...(Array.isArray(outputs) ? outputs : [outputs]));
    const cotangents = c.cotangents.map((t) => materialize(t, made));
    try {
      grads = pullback(cotangents.length === 1 ? cotangents[0] : cotangents);
    } finally {
      pullback.dispose();
    }
    made.push(...Object.values(grads));
  } catch (e) {
    if ('error' in c.expected) return verdict(errorMismatch(e, c.expected.error) ?? undefined, []);
    return verdict(`raised ${describeThrown(e)}`, []);
  }
  if ('error' in c.expected) return verdict(`gave gradients, but jax.vjp raised ${c.expected.error.class}: ${c.expected.error.message}`, []);
  return compareGradients(c, adapter, table, grads, c.expected.gradients);
}

async function compareGradients(
  c: GradCase,
  adapter: string,
  table: readonly ToleranceEntry[],
  got: Record<string, Tensor>,
  want: Readonly<Record<string, GoldenTensor>>,
): Promise<CaseResult> {
  const names = Object.keys(want);
  const extra = Object.keys(got).filter((n) => !(n in want));
  if (extra.length || names.some((n) => !(n in got))) {
    return verdict(`gave gradients of ${Object.keys(got).join(', ') || 'nothing'}, jax.vjp of ${names.join(', ')}`, []);
  }
  // The gradient case's own tolerance replaces the forward case's, and table entries name its id.
  const asCase = { ...c.forward, tolerance: c.tolerance };
  const results: OutputResult[] = [];
  for (const name of names) {
    const tolerance = toleranceFor(asCase, adapter, want[name].dtype, table);
    const values = { shape: got[name].shape, dtype: got[name].dtype, data: await got[name].data() };
    results.push({ tolerance, comparison: compare(values, want[name], tolerance) });
  }
  const bad = results.findIndex((r) => !r.comparison.ok);
  return verdict(bad < 0 ? undefined : `the gradient of ${names[bad]} differs from jax.vjp's`, results);
}
