/**
 * `golden/<op>.json` (docs/golden-format.md): the case list of one op, with `{"tensor": key}` references
 * resolved to the tensors of `golden/<op>.safetensors`. Everything is checked here, so the runner never
 * meets a malformed case.
 */
import { GoldenError } from './errors.js';
import { GoldenTensor } from './safetensors.js';

/** A call argument as recorded: JSON values (arrays are Python tuples, null is None) and tensors. */
export type GoldenValue = null | boolean | number | string | GoldenTensor | GoldenValue[] | { [key: string]: GoldenValue };

export interface Tolerance {
  atol: number;
  rtol: number;
}

/** A looser tolerance always says why. */
export interface ToleranceWithReason extends Tolerance {
  why: string;
}

/** What Keras raised. `origin` "keras" marks Keras's own message, which must then match exactly. */
export interface ExpectedError {
  class: string;
  message: string;
  origin?: string;
}

export type Expected = { outputs: GoldenTensor[] } | { error: ExpectedError };

export interface GoldenCase {
  id: string;
  op: string;
  args: GoldenValue[];
  kwargs: Record<string, GoldenValue>;
  expected: Expected;
  tolerance: ToleranceWithReason | null;
  /** How Keras's tensorflow and numpy backends compare with JAX on this case; for reports only. */
  backends: Record<string, unknown>;
  /** The Keras version that produced it, whose ops replay it (its golden set's manifest); absent: 3.6.0. */
  keras?: string;
}

export interface GoldenOp {
  op: string;
  cases: GoldenCase[];
}

const ID_PATTERN = /^[a-z_0-9]+\/[A-Za-z0-9_.=+-]+$/;

export type Fail = (why: string) => GoldenError;

/** Parses `<op>.json`; `file` names it in errors, `tensors` are its safetensors file's contents. */
export function parseOpFile(text: string, file: string, op: string, tensors: ReadonlyMap<string, GoldenTensor>, keras?: string): GoldenOp {
  const fail: Fail = (why) => new GoldenError(file, why);
  const cases = parseCaseList(text, op, fail).map((raw, i) => ({ ...parseCase(raw, i, op, tensors, fail), ...(keras ? { keras } : {}) }));
  return { op, cases: uniqueIds(cases, fail) };
}

/** The raw cases of an `<op>.json`, forward or gradient set's: `{"op": op, "cases": [...]}`. */
export function parseCaseList(text: string, op: string, fail: Fail): unknown[] {
  let doc: { op?: unknown; cases?: unknown };
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw fail(`not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(doc) || doc.op !== op || !Array.isArray(doc.cases)) {
    throw fail(`expected {"op": "${op}", "cases": [...]}`);
  }
  return doc.cases;
}

/** The cases, once no id appears twice. */
export function uniqueIds<C extends { id: string }>(cases: C[], fail: Fail): C[] {
  const seen = new Set<string>();
  for (const c of cases) {
    if (seen.has(c.id)) throw fail(`case id ${c.id} appears twice`);
    seen.add(c.id);
  }
  return cases;
}

function parseCase(raw: unknown, index: number, op: string, tensors: ReadonlyMap<string, GoldenTensor>, fail: Fail): GoldenCase {
  if (!isObject(raw) || typeof raw.id !== 'string') throw fail(`case ${index} has no string id`);
  const id = raw.id;
  const failCase: Fail = (why) => fail(`case ${id}: ${why}`);
  if (!ID_PATTERN.test(id) || !id.startsWith(`${op}/`)) throw failCase(`the id must be ${op}/<[A-Za-z0-9_.=+-]+>`);
  if (!Array.isArray(raw.args)) throw failCase('args must be an array');
  if (!isObject(raw.kwargs)) throw failCase('kwargs must be an object');
  const resolve = (v: unknown) => resolveRefs(v, tensors, failCase);
  return {
    id,
    op,
    args: raw.args.map(resolve),
    kwargs: Object.fromEntries(Object.entries(raw.kwargs).map(([k, v]) => [k, resolve(v)])),
    expected: parseExpected(raw.expected, tensors, failCase),
    tolerance: parseTolerance(raw.tolerance, failCase),
    backends: isObject(raw.backends) ? raw.backends : {},
  };
}

function parseExpected(raw: unknown, tensors: ReadonlyMap<string, GoldenTensor>, fail: Fail): Expected {
  if (isObject(raw) && Array.isArray(raw.outputs) && raw.outputs.length > 0) {
    return { outputs: raw.outputs.map((o) => tensorRef(o, tensors, fail, 'every expected output')) };
  }
  const error = parseError(raw);
  if (error) return { error };
  throw fail('expected must be {"outputs": [...]} or {"error": {"class", "message"}}');
}

/** A `{"tensor": key}` reference resolved; `what` names it in the error. */
export function tensorRef(raw: unknown, tensors: ReadonlyMap<string, GoldenTensor>, fail: Fail, what: string): GoldenTensor {
  const t = resolveRefs(raw, tensors, fail);
  if (!(t instanceof GoldenTensor)) throw fail(`${what} must be a {"tensor": key}`);
  return t;
}

/** An `expected` that records what Keras raised, else undefined. */
export function parseError(raw: unknown): ExpectedError | undefined {
  const e = isObject(raw) ? raw.error : undefined;
  if (!isObject(e) || typeof e.class !== 'string' || typeof e.message !== 'string') return undefined;
  const origin = typeof e.origin === 'string' ? e.origin : undefined;
  return { class: e.class, message: e.message, ...(origin ? { origin } : {}) };
}

export function parseTolerance(raw: unknown, fail: Fail): ToleranceWithReason | null {
  if (raw === null || raw === undefined) return null;
  const ok =
    isObject(raw) && isTol(raw.atol) && isTol(raw.rtol) && typeof raw.why === 'string' && raw.why.trim() !== '';
  if (!ok) throw fail('tolerance must be null or {"atol": >= 0, "rtol": >= 0, "why": "<reason>"}');
  return { atol: raw.atol as number, rtol: raw.rtol as number, why: raw.why as string };
}

function resolveRefs(v: unknown, tensors: ReadonlyMap<string, GoldenTensor>, fail: Fail): GoldenValue {
  if (Array.isArray(v)) return v.map((x) => resolveRefs(x, tensors, fail));
  if (!isObject(v)) return v as GoldenValue;
  const keys = Object.keys(v);
  if (keys.length === 1 && keys[0] === 'tensor' && typeof v.tensor === 'string') {
    const t = tensors.get(v.tensor);
    if (!t) throw fail(`tensor ${v.tensor} is not in the safetensors file`);
    return t;
  }
  return Object.fromEntries(keys.map((k) => [k, resolveRefs(v[k], tensors, fail)]));
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isTol(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}
