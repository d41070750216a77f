/// <reference types="node" />
/**
 * `keras-parity fuzz --save`: a shrunk call joins the golden catalogue as the case `<op>/found-<name>`,
 * in tools/golden/catalogue/found.json (read by found.py), and gen_golden.py then records what Keras does
 * with it. Tensors are written with every element: float32 values as the shortest decimal that reads back
 * as the same float32 ("0.1", "nan", "-inf", "-0.0"), so the saved case is the very call the fuzzer made.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { GoldenValue } from '../golden/cases.js';
import { formatNumber } from '../golden/report.js';
import { GoldenTensor } from '../golden/safetensors.js';
import { compareVersions, type KerasMinor } from '../keras-versions.js';
import { OP_TABLE, type AnyOpDef } from '../ops/table.js';
import type { FuzzCall } from './call.js';

/** Relative to the repository root. */
export const FOUND_FILE = 'tools/golden/catalogue/found.json';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface FoundCase {
  id: string;
  args: Json[];
  kwargs: Record<string, Json>;
  tolerance: FuzzCall['tolerance'] | null;
  /** The Keras release the call needs (its op or a keyword came then): older golden sets leave it out. */
  since?: string;
  /** Where it came from: the command that found it, the backend, the mismatch in one line. */
  found: { command: string; backend: string; mismatch: string };
}

interface FoundFile {
  about: string;
  cases: FoundCase[];
}

const ABOUT =
  'Calls that `keras-parity fuzz --save` kept as golden cases (<op>/found-<name>), read by found.py. ' +
  'A saved mismatch fails on its backend until it is fixed, or excluded in src/golden/exclusions.ts with its cause.';

/** A case name: what the id allows after `found-`. */
export function checkName(name: string): string | undefined {
  return /^[A-Za-z0-9_.=+-]+$/.test(name) ? undefined : `a case name may hold only letters, digits and _.=+- (got '${name}')`;
}

function float32Text(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return Object.is(v, -0) ? '-0.0' : formatNumber(v);
}

function toJson(v: GoldenValue): Json {
  if (v instanceof GoldenTensor) {
    const values = Array.from(v.data, (x) => (v.dtype === 'float32' ? float32Text(x) : v.dtype === 'bool' ? x !== 0 : x));
    return { tensor: { dtype: v.dtype, shape: [...v.shape], values } };
  }
  if (Array.isArray(v)) return v.map(toJson);
  if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))) return { $float: float32Text(v) };
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
  return v;
}

function read(file: string): FoundFile {
  if (!existsSync(file)) return { about: ABOUT, cases: [] };
  return JSON.parse(readFileSync(file, 'utf8')) as FoundFile;
}

/** --save's name when none is given: `<backend>-seed<seed>`, a page backend's place spelt with a dash (chromium-tfjs-webgl). */
export function defaultName(backend: string, seed: number): string {
  return `${backend.replace(/[^A-Za-z0-9_.=+-]/g, '-')}-seed${seed}`;
}

/** `<op>/found-<name>`, with `-2`, `-3`... when that id is taken. */
export function freeId(op: string, name: string, taken: ReadonlySet<string>): string {
  const base = `${op}/found-${name}`;
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
}

/** Appends the call to `file` (created when missing) and returns its case id. */
export function saveFound(file: string, call: FuzzCall, name: string, found: FoundCase['found']): string {
  const doc = read(file);
  const id = freeId(call.op, name, new Set(doc.cases.map((c) => c.id)));
  const kwargs = Object.fromEntries(Object.entries(call.kwargs).map(([k, v]) => [k, toJson(v)]));
  const since = sinceOf(call);
  doc.cases.push({ id, args: call.args.map(toJson), kwargs, tolerance: call.tolerance ?? null, ...(since ? { since } : {}), found });
  writeFileSync(file, `${pretty(doc as unknown as Json)}\n`);
  return id;
}

/** The newest release among the op's and its given keywords' `since`; undefined when all were in 3.6. */
function sinceOf(call: FuzzCall): string | undefined {
  const def = OP_TABLE[call.op] as AnyOpDef;
  const named = new Set(Object.keys(call.kwargs));
  const releases = [def.since, ...def.params.filter((p) => named.has(p.name)).map((p) => p.since)].filter((s): s is KerasMinor => !!s);
  return releases.sort(compareVersions).at(-1);
}

/** JSON indented by one space, with arrays of plain values (a tensor's elements) on one line. */
function pretty(v: Json, indent = ''): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  const inner = `${indent} `;
  if (Array.isArray(v)) {
    if (v.every((x) => x === null || typeof x !== 'object')) return `[${v.map((x) => JSON.stringify(x)).join(', ')}]`;
    return `[\n${v.map((x) => inner + pretty(x, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(v);
  if (!entries.length) return '{}';
  return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${pretty(x, inner)}`).join(',\n')}\n${indent}}`;
}
