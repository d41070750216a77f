/**
 * What changed between two Keras versions, measured on the golden cases both hold (src/golden/versions.ts),
 * beside what the op table records for each op (the release and pull request of each behaviour change,
 * new parameter or changed default): docs/keras-version-changes.md, and the run report's section "What
 * changed between Keras versions", which shows the same parts (./version-changes-html.ts lays them out in
 * report.html).
 */
import { plural } from '../format.js';
import { CHANGE_KINDS, KERAS_VERSION_BUGS, NOISE, type CaseChange, type ChangeKind, type OpChanges, type VersionDiff } from '../golden/versions.js';
import type { AnyOpDef, OpName } from '../ops/table.js';
import { OP_TABLE } from '../ops/table.js';
import { code, table } from './md-text.js';
import type { ReportOpChanges, ReportVersionChanges } from './model.js';
import { kerasTitle } from './versions.js';

const KIND_WORDS: Record<ChangeKind, string> = {
  error: 'another error',
  raises: 'raises now',
  computes: 'computes now',
  spec: 'another shape or dtype',
  values: 'other values',
  message: "another library's message",
  bits: 'other last bits',
};

/** One line per record of the op table for `op`: behaviour changes, parameters added, parameters changed. */
export function tableRecords(op: string): string[] {
  const def = OP_TABLE[op as OpName] as AnyOpDef | undefined;
  if (!def) return [];
  return [
    ...Object.values(def.changes ?? {}).map((c) => `${c.since} (${c.pr}): ${c.what}`),
    ...def.params.filter((p) => p.since).map((p) => `${p.since}: new parameter \`${p.name}\``),
    ...def.params.flatMap((p) =>
      (p.later ?? []).map((l) => `${l.since} (${l.pr}): \`${p.name}\` ${l.required ? 'required' : `defaults to ${JSON.stringify(l.default)}`}`),
    ),
  ];
}

/** The ops whose results differ beyond their last bits and that neither the table nor the bug list explains. */
export function unexplained(diff: VersionDiff): string[] {
  const bugs = new Set(KERAS_VERSION_BUGS.map((b) => b.op));
  return diff.ops.filter((o) => significant(o).length && !tableRecords(o.op).length && !bugs.has(o.op)).map((o) => o.op);
}

const significant = (o: OpChanges) => o.changes.filter((c) => !NOISE.has(c.kind));

/** The diff in brief, as report.json holds it: per op that changed, its count and first case of each kind. */
export function briefDiff(diff: VersionDiff): ReportVersionChanges {
  return {
    older: diff.older,
    newer: diff.newer,
    ops: diff.ops.filter((o) => o.changes.length).map(briefOp),
    unchanged: diff.ops.filter((o) => !o.changes.length).map((o) => o.op),
    added: diff.added,
  };
}

function briefOp(o: OpChanges): ReportOpChanges {
  const kinds = CHANGE_KINDS.filter((k) => o.changes.some((c) => c.kind === k));
  return {
    op: o.op,
    compared: o.compared,
    counts: Object.fromEntries(kinds.map((k) => [k, o.changes.filter((c) => c.kind === k).length])),
    examples: kinds.map((k) => o.changes.find((c) => c.kind === k)!),
  };
}

/** The first case of each kind beyond noise: another result, error, shape or dtype. */
const significantExamples = (o: ReportOpChanges) => o.examples.filter((c) => !NOISE.has(c.kind));

/** The ops whose results, errors, shapes or dtypes changed. */
export function changedOps(v: ReportVersionChanges): ReportOpChanges[] {
  return v.ops.filter((o) => significantExamples(o).length);
}

/** The ops that changed in noise only. */
export function noiseOnlyOps(v: ReportVersionChanges): ReportOpChanges[] {
  return v.ops.filter((o) => !significantExamples(o).length);
}

const countOf = (o: ReportOpChanges, k: ChangeKind) => o.counts[k] ?? 0;

/** `Keras 3.6.0 to 3.15.1`, as headings name a pair of versions. */
export function pairTitle(v: ReportVersionChanges): string {
  return `${kerasTitle(v.older)} to ${v.newer}`;
}

/** `of 33 ops in both, 6 changed, 12 in noise only, 15 not at all; 20 ops new`. */
export function changesCounts(v: ReportVersionChanges): string {
  const changed = changedOps(v).length;
  const added = v.added.length ? `; ${plural(v.added.length, 'op')} new` : '';
  return `of ${plural(v.ops.length + v.unchanged.length, 'op')} in both, ${changed} changed, ${v.ops.length - changed} in noise only, ${v.unchanged.length} not at all${added}`;
}

/** The section's opening words for a pair: what was compared, and how many ops changed. */
export function changesIntro(v: ReportVersionChanges): string {
  return (
    `Each golden case both sets hold for this run's ops is the same call made by each Keras on its JAX backend, the newer answer ` +
    `compared with the older as a backend's is with Keras: ${changesCounts(v)}.`
  );
}

/** The head of an op's table of examples. */
export const EXAMPLE_HEAD = ['kind', 'cases', 'example', 'before', 'after'];

/** The rows of an op's table of examples: per kind beyond noise, its words, its count and its first case. */
export function exampleRows(o: ReportOpChanges): { kind: string; cases: number; change: CaseChange }[] {
  return significantExamples(o).map((c) => ({ kind: KIND_WORDS[c.kind], cases: countOf(o, c.kind), change: c }));
}

/** A case as an example names it: its id and its call; `code` marks up code (backticks, <code>). */
export function exampleCall(c: CaseChange, code: (text: string) => string): string {
  return `${code(c.id)}: ${code(c.call)}`;
}

/** The Keras bug that explains an op's change, when one does. */
export function bugOf(op: string): string | undefined {
  return KERAS_VERSION_BUGS.find((b) => b.op === op)?.why;
}

/** What report.md and report.html say before the noise-only ops: why their changes are not changes. */
export const NOISE_WORDS = "Noise only (the same to each case's tolerance in other last bits, or the same exception in another library's words)";

/** `average_pool` (29 of 46), ...: each op's changed cases of those in both. */
export function noiseOps(ops: readonly ReportOpChanges[], code: (text: string) => string): string {
  return ops.map((o) => `${code(o.op)} (${CHANGE_KINDS.reduce((n, k) => n + countOf(o, k), 0)} of ${o.compared})`).join(', ');
}

/** `celu` (3.7), ...: each new op and the release that brought it. */
export function addedOps(v: ReportVersionChanges, code: (text: string) => string): string {
  return v.added.map((op) => `${code(op)} (${sinceOf(op)})`).join(', ');
}

export function renderVersionChanges(diff: VersionDiff): string {
  const v = briefDiff(diff);
  const noiseOnly = noiseOnlyOps(v);
  return [
    `# What changed in keras.ops.nn from Keras ${v.older} to ${v.newer}`,
    '',
    `Generated by \`npm run changes\` from golden/keras-${v.older}/ and golden/keras-${v.newer}/; do not edit it by`,
    'hand: spec/version-changes.spec.ts fails when it is stale, and when an op below has no record in the op table',
    '(src/ops/: a behaviour change with its release and pull request, a parameter added or changed) and no line in',
    'KERAS_VERSION_BUGS (src/golden/versions.ts).',
    '',
    'Each golden case of both sets is the same call (the same id, inputs and arguments) made by each Keras on its JAX',
    "backend; the newer Keras's answer is compared with the older's as a backend's is with Keras (allclose at the",
    "case's tolerance, exact shape and dtype, the same exception class and message).",
    '',
    ...summaryTable(v),
    ...changedOps(v).flatMap((o) => ['', `## ${o.op}`, '', ...opChanges(o)]),
    ...(noiseOnly.length ? noiseSection(noiseOnly, v) : []),
    ...(v.added.length ? ['', `## Ops new since ${v.older} (${v.added.length})`, '', addedOps(v, code)] : []),
    '',
  ].join('\n');
}

/** report.md's section: per pair of consecutive versions of the run, the ops that changed as the document shows them. */
export function versionChangesMarkdown(changes: readonly ReportVersionChanges[] | undefined): string {
  if (!changes?.length) return '';
  return ['## What changed between Keras versions', ...changes.flatMap(pairMarkdown)].join('\n');
}

function pairMarkdown(v: ReportVersionChanges): string[] {
  const noiseOnly = noiseOnlyOps(v);
  return [
    '',
    `### ${pairTitle(v)}`,
    '',
    changesIntro(v),
    ...changedOps(v).flatMap((o) => ['', `#### ${o.op}`, '', ...opChanges(o)]),
    ...(noiseOnly.length ? ['', `${NOISE_WORDS}: ${noiseOps(noiseOnly, code)}.`] : []),
    ...(v.added.length ? ['', `New since ${v.older} (${v.added.length}): ${addedOps(v, code)}.`] : []),
  ];
}

function sinceOf(op: string): string {
  return (OP_TABLE[op as OpName] as AnyOpDef | undefined)?.since ?? '?';
}

function summaryTable(v: ReportVersionChanges): string[] {
  const count = (o: ReportOpChanges, k: ChangeKind) => String(countOf(o, k) || '');
  return [table(['op', 'cases in both', ...CHANGE_KINDS.map((k) => KIND_WORDS[k])], v.ops.map((o) => [code(o.op), String(o.compared), ...CHANGE_KINDS.map((k) => count(o, k))]))];
}

/** An op's change under its heading: the op table's records, a Keras bug, and an example of each kind. */
function opChanges(o: ReportOpChanges): string[] {
  const records = tableRecords(o.op);
  const bug = bugOf(o.op);
  return [
    ...(records.length ? ['In the op table:', ...records.map((r) => `- ${r}`), ''] : []),
    ...(bug ? [`A Keras bug: ${bug}`, ''] : []),
    table(EXAMPLE_HEAD, exampleRows(o).map((r) => [r.kind, String(r.cases), exampleCall(r.change, code), r.change.before, r.change.after])),
  ];
}

function noiseSection(ops: ReportOpChanges[], v: ReportVersionChanges): string[] {
  return [
    '',
    '## Noise only',
    '',
    'These ops give the same results to their tolerance, in other last bits, or raise the same exception with',
    `another text from JAX, XLA, numpy or Python: the two sets come from different JAX releases (each version's`,
    `requirements file pins its own), which order some sums, fuse some operations and word some errors`,
    `differently. Each backend is held to each set's values at the tolerance; only Keras's own messages are`,
    `compared word for word. From Keras ${v.older} to ${v.newer}:`,
    '',
    noiseOps(ops, code),
  ];
}
