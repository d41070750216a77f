/**
 * `run --shard i/n`: a split of the golden cases into n parts of about equal cost, the same on every
 * machine, so that n CI jobs cover the run exactly once without talking to each other and
 * `keras-parity merge` puts their reports back into one column.
 *
 * A case goes to one shard with all its backends. Its cost is estimated from the golden itself (the
 * elements of its tensors, weighted per op), not from timings: a measured table would differ between
 * machines and go stale, and jobs that disagree on the costs would disagree on the split.
 */
import type { GoldenCase, GoldenOp, GoldenValue } from '../golden/cases.js';
import { GoldenTensor } from '../golden/safetensors.js';
import { SEED_KERAS } from '../keras-versions.js';
import type { ReportShard } from './model.js';

/**
 * What every case costs whatever its size (dispatch, reading back, comparing), in elements of an
 * elementwise op: on reference and tfjs-cpu a tiny case takes about as long as 3,000 such elements.
 */
const CASE_BASE = 3000;

/**
 * Ops that do more work per element than an elementwise one (convolutions, attention, the CTC loops), as
 * multiples of it, fitted once to the per-case times of a run on reference and tfjs-cpu; the rest weigh 1.
 * Rough is enough: with hundreds of cases per shard the errors average out.
 */
const OP_WEIGHT: Readonly<Record<string, number>> = {
  average_pool: 8,
  categorical_crossentropy: 3,
  conv: 40,
  conv_transpose: 7,
  ctc_decode: 90,
  ctc_loss: 500,
  depthwise_conv: 25,
  dot_product_attention: 20,
  separable_conv: 45,
};

/** The estimated cost of a case: a fixed part plus its input and expected-output elements, weighted by op. */
export function caseCost(c: GoldenCase): number {
  const inputs = elements(c.args) + elements(Object.values(c.kwargs));
  const outputs = 'outputs' in c.expected ? c.expected.outputs.reduce((n, t) => n + t.size, 0) : 0;
  return CASE_BASE + (inputs + outputs) * (OP_WEIGHT[c.op] ?? 1);
}

function elements(value: GoldenValue): number {
  if (value instanceof GoldenTensor) return value.size;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + elements(v), 0);
  if (value && typeof value === 'object') return elements(Object.values(value));
  return 0;
}

/**
 * Each case id to its shard (1-based): the costliest first (ties by id), each to the shard with the least
 * cost so far (ties to the lowest), the longest-processing-time rule. It depends only on the ids and
 * costs, never on their order, and no shard exceeds the mean by more than the costliest case.
 */
export function assignShards(cases: readonly { id: string; cost: number }[], count: number): Map<string, number> {
  const loads = new Array<number>(count).fill(0);
  const shardOf = new Map<string, number>();
  const order = [...cases].sort((a, b) => b.cost - a.cost || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const { id, cost } of order) {
    const lightest = loads.indexOf(Math.min(...loads));
    loads[lightest] += cost;
    shardOf.set(id, lightest + 1);
  }
  return shardOf;
}

/** The ops with only the shard's cases; an op keeps its place (and a cell) even when the shard has none of it. */
export function shardOps(ops: readonly GoldenOp[], shard: ReportShard): GoldenOp[] {
  const keras = ops.find((o) => o.cases.length)?.cases[0].keras ?? SEED_KERAS;
  return shardVersions([{ keras, ops }], shard)[0].ops;
}

/**
 * The cases of every version split together, each keyed `version/id` (ids repeat across versions), so
 * that the shards of a run over several versions cover it once and stay balanced; every version and op
 * keeps its place.
 */
export function shardVersions<V extends { keras: string; ops: readonly GoldenOp[] }>(versions: readonly V[], shard: ReportShard): (V & { ops: GoldenOp[] })[] {
  const key = (keras: string, c: GoldenCase) => `${keras}/${c.id}`;
  const cases = versions.flatMap(({ keras, ops }) => ops.flatMap((o) => o.cases.map((c) => ({ id: key(keras, c), cost: caseCost(c) }))));
  const shardOf = assignShards(cases, shard.count);
  const mine = (keras: string) => (c: GoldenCase) => shardOf.get(key(keras, c)) === shard.index;
  return versions.map((v) => ({ ...v, ops: v.ops.map((o) => ({ ...o, cases: o.cases.filter(mine(v.keras)) })) }));
}

/** The header's words for a shard's report, a part and not the whole run; `code` marks up a command. */
export function shardNote(shard: ReportShard, code: (text: string) => string): string {
  const { index, count } = shard;
  return `Shard ${index} of ${count} (${code(`run --shard ${index}/${count}`)}): only its part of the cases; ${code('keras-parity merge')} joins the ${count} shards into the whole run.`;
}
