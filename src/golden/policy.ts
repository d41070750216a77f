/**
 * The one tolerance table and the one exclusion list (kept in src/golden/), and how an entry finds
 * its cases. An entry names a case id, or an id prefix ending in `*` (`conv/*`, `conv/2d-*`), and an
 * adapter name, or a prefix such as `tfjs-*`, or `*` for every adapter. Every entry says why.
 *
 * An adapter run somewhere other than this process carries the place as a prefix: `chromium:tfjs-wasm` is
 * tfjs-wasm in a Chromium page. Entries for `tfjs-wasm` (the same TF.js code) apply to it as well; an
 * entry for `chromium:tfjs-wasm` applies to it alone.
 *
 * An entry holds for every Keras version unless it says `since` (the release a Keras change made it
 * needed) or `before` (the release whose change made it obsolete): a deviation from what one Keras did
 * is not carried to a Keras that does otherwise.
 */
import type { DType } from '../dtypes.js';
import type { GoldenCase, Tolerance } from './cases.js';
import { DEFAULT_TOLERANCE } from './compare.js';
import { includes, SEED_KERAS, type KerasMinor } from '../keras-versions.js';

/** The Keras releases an entry holds for: from `since` on, up to (without) `before`. */
export interface KerasRange {
  readonly since?: KerasMinor;
  readonly before?: KerasMinor;
}

export interface ToleranceEntry extends KerasRange {
  readonly case: string;
  readonly adapter: string;
  readonly atol: number;
  readonly rtol: number;
  readonly why: string;
}

export interface ExclusionEntry extends KerasRange {
  readonly case: string;
  readonly adapter: string;
  readonly why: string;
}

/**
 * A call left out on an adapter by what it holds, not by its id: fuzz calls (src/fuzz/) are new cases
 * that no id names. `when` says whether a case falls under the limit `why` states.
 */
export interface CallExclusionEntry {
  readonly adapter: string;
  readonly when: (c: GoldenCase) => boolean;
  readonly why: string;
}

type Entry = ToleranceEntry | ExclusionEntry;

/** `pattern` is a name, or a prefix ending in `*`. */
export function matches(pattern: string, name: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

/** `pattern` names `adapter`, or the same adapter without its place (tfjs-wasm for chromium:tfjs-wasm). */
function namesAdapter(pattern: string, adapter: string): boolean {
  const unplaced = adapter.slice(adapter.indexOf(':') + 1);
  return matches(pattern, adapter) || matches(pattern, unplaced);
}

/** A golden case as entries see it: its id and the Keras version of its set (3.6.0 when unsaid). */
export type CaseRef = Pick<GoldenCase, 'id' | 'keras'>;

function holdsFor(range: KerasRange, keras = SEED_KERAS as string): boolean {
  return (!range.since || includes(keras, range.since)) && (!range.before || !includes(keras, range.before));
}

function namesCase(entry: Entry, c: CaseRef): boolean {
  return matches(entry.case, c.id) && holdsFor(entry, c.keras);
}

function applies(entry: Entry, c: CaseRef, adapter: string): boolean {
  return namesCase(entry, c) && namesAdapter(entry.adapter, adapter);
}

export function exclusionFor(list: readonly ExclusionEntry[], c: CaseRef, adapter: string): ExclusionEntry | undefined {
  return list.find((e) => applies(e, c, adapter));
}

export function callExclusionFor(list: readonly CallExclusionEntry[], c: GoldenCase, adapter: string): CallExclusionEntry | undefined {
  return list.find((e) => namesAdapter(e.adapter, adapter) && e.when(c));
}

/** A tolerance and where it came from, for reports. */
export interface EffectiveTolerance extends Tolerance {
  /** `default`, `golden: <why>`, `table: <why>`. */
  sources: string[];
}

/**
 * The tolerance of one output: the dtype's default, loosened by the case's own tolerance (set by the
 * catalogue) and by every matching table entry; the loosest atol and rtol win.
 */
export function toleranceFor(
  c: GoldenCase,
  adapter: string,
  dtype: DType,
  table: readonly ToleranceEntry[],
): EffectiveTolerance {
  const tol: EffectiveTolerance = { ...DEFAULT_TOLERANCE[dtype], sources: ['default'] };
  const loosen = (t: Tolerance, source: string) => {
    tol.atol = Math.max(tol.atol, t.atol);
    tol.rtol = Math.max(tol.rtol, t.rtol);
    tol.sources.push(source);
  };
  if (c.tolerance) loosen(c.tolerance, `golden: ${c.tolerance.why}`);
  for (const e of table) if (applies(e, c, adapter)) loosen(e, `table: ${e.why}`);
  return tol;
}

/**
 * What is wrong with a table or list: an entry without a reason, with a negative or non-finite
 * tolerance, a duplicate, or one that matches no golden case (stale after a catalogue change).
 */
export function entryProblems(entries: readonly Entry[], cases: readonly CaseRef[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    const range = [e.since && `since ${e.since}`, e.before && `before ${e.before}`].filter(Boolean).join(', ');
    const name = `${e.case} [${e.adapter}]${range ? ` (Keras ${range})` : ''}`;
    if (typeof e.why !== 'string' || e.why.trim() === '') problems.push(`${name}: no reason given`);
    if ('atol' in e && !([e.atol, e.rtol].every((t) => Number.isFinite(t) && t >= 0))) {
      problems.push(`${name}: atol and rtol must be finite and >= 0`);
    }
    if (seen.has(name)) problems.push(`${name}: listed twice`);
    seen.add(name);
    if (e.since && e.before && !includes(e.before, e.since)) problems.push(`${name}: before comes before since`);
    if (!cases.some((c) => namesCase(e, c))) problems.push(`${name}: matches no golden case`);
  }
  return problems;
}
