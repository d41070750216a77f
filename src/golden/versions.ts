/**
 * What changed between two Keras versions, measured: the cases both golden sets hold (the same call, by
 * id) compared as the conformance suite compares a backend with Keras. docs/keras-version-changes.md is
 * rendered from this; every op it names must have a record in the op table (a behaviour change, or a
 * parameter added or changed) or a line in KERAS_VERSION_BUGS.
 */
import type { Expected, GoldenCase } from './cases.js';
import { compare, DEFAULT_TOLERANCE } from './compare.js';
import type { GoldenSet } from './loader.js';
import { describeCall, formatNumber } from './report.js';

/**
 * `error`: both raise, another class, or another message of Keras's own; `raises`: the newer raises where
 * the older computed; `computes`: the reverse; `spec`: another shape or dtype; `values`: outside the
 * case's tolerance. Two kinds are noise, which the conformance suite does not see either: `message`, the
 * same class with another text from JAX, XLA, numpy or Python (only Keras's own texts are compared);
 * `bits`, different bits within the tolerance (a new JAX or XLA summing in another order).
 */
export type ChangeKind = 'error' | 'raises' | 'computes' | 'spec' | 'values' | 'message' | 'bits';

export const CHANGE_KINDS: readonly ChangeKind[] = ['error', 'raises', 'computes', 'spec', 'values', 'message', 'bits'];
export const NOISE: ReadonlySet<ChangeKind> = new Set(['message', 'bits']);

export interface CaseChange {
  id: string;
  kind: ChangeKind;
  /** The call, as Python prints it. */
  call: string;
  before: string;
  after: string;
}

export interface OpChanges {
  op: string;
  /** Cases of the op in both sets. */
  compared: number;
  changes: CaseChange[];
}

export interface VersionDiff {
  older: string;
  newer: string;
  ops: OpChanges[];
  /** Ops with goldens in the newer set only. */
  added: string[];
}

/**
 * Differences Keras itself got wrong in one version, which the op table therefore does not record as a
 * change: `op`, and why, with the issue or pull request that says so.
 */
export const KERAS_VERSION_BUGS: readonly { op: string; why: string }[] = [];

export function diffGoldenSets(older: GoldenSet, newer: GoldenSet): VersionDiff {
  const newerOps = new Map(newer.ops.map((o) => [o.op, o]));
  const ops = older.ops
    .filter((o) => newerOps.has(o.op))
    .map((o): OpChanges => {
      const after = new Map(newerOps.get(o.op)!.cases.map((c) => [c.id, c]));
      const both = o.cases.filter((c) => after.has(c.id));
      const changes = both.map((c) => caseChange(c, after.get(c.id)!)).filter((x): x is CaseChange => !!x);
      return { op: o.op, compared: both.length, changes };
    });
  const olderOps = new Set(older.ops.map((o) => o.op));
  return {
    older: older.manifest.versions.keras,
    newer: newer.manifest.versions.keras,
    ops,
    added: newer.ops.map((o) => o.op).filter((op) => !olderOps.has(op)),
  };
}

function caseChange(before: GoldenCase, after: GoldenCase): CaseChange | undefined {
  const kind = changeKind(before, after.expected);
  if (!kind) return undefined;
  return { id: before.id, kind, call: describeCall(before), before: describe(before.expected), after: describe(after.expected) };
}

function changeKind(before: GoldenCase, after: Expected): ChangeKind | undefined {
  const was = before.expected;
  if ('error' in was && 'error' in after) {
    if (was.error.class !== after.error.class) return 'error';
    if (was.error.message === after.error.message) return undefined;
    return was.error.origin === 'keras' || after.error.origin === 'keras' ? 'error' : 'message';
  }
  if ('error' in after) return 'raises';
  if ('error' in was) return 'computes';
  if (was.outputs.length !== after.outputs.length) return 'spec';
  let kind: ChangeKind | undefined;
  for (const [i, w] of was.outputs.entries()) {
    const a = after.outputs[i];
    const tol = before.tolerance ?? DEFAULT_TOLERANCE[w.dtype];
    const c = compare(a, w, tol);
    if (c.problems.length) return 'spec';
    if (!c.ok) kind = 'values';
    else if (!kind && !sameBits(a.data, w.data)) kind = 'bits';
  }
  return kind;
}

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** An expected result in one line: `ValueError: ...`, or each output's dtype, shape and its first values. */
function describe(e: Expected): string {
  if ('error' in e) return `${e.error.class}: ${e.error.message.split('\n')[0]}`;
  return e.outputs
    .map((t) => `${t.dtype} (${t.shape.join(', ')}${t.shape.length === 1 ? ',' : ''}) [${[...t.data.slice(0, 4)].map(formatNumber).join(', ')}${t.data.length > 4 ? ', ...' : ''}]`)
    .join('; ');
}
