/**
 * Gradient sets (docs/golden-format.md): `golden/grad/keras-<version>/` holds, per op, the cotangents
 * tools/gen_golden.py --grad drew and the gradients `jax.vjp` gave for the valid float cases of a forward
 * set, `golden/keras-<version>/`, whose manifest's sha256 it records. The manifest, the file hashes and the
 * tensors are read as for a forward set (loader.ts); each case comes with the forward case it differentiates.
 */
import {
  isObject,
  parseCaseList,
  parseError,
  parseTolerance,
  tensorRef,
  uniqueIds,
  type ExpectedError,
  type Fail,
  type GoldenCase,
  type ToleranceWithReason,
} from './cases.js';
import { GoldenError } from './errors.js';
import { FORWARD_MANIFEST, MANIFEST, loadGolden, opsOf, readManifest, readOpFiles, tryOrRecord, type GoldenSet, type GoldenSource, type Manifest } from './loader.js';
import type { GoldenTensor } from './safetensors.js';

export interface GradManifest extends Manifest {
  /** The sha256 of the forward set's manifest.json the gradients were taken on. */
  forward_manifest: string;
}

/** The gradient of each float32 tensor argument by Keras parameter name, or what jax.vjp raised. */
export type ExpectedGradients = { gradients: Record<string, GoldenTensor> } | { error: ExpectedError };

export interface GradCase {
  /** The forward case's id. */
  id: string;
  op: string;
  /** The call differentiated: args, kwargs, outputs and the Keras version that replays it. */
  forward: GoldenCase;
  /** One per output of the forward case, in its shape and dtype. */
  cotangents: GoldenTensor[];
  expected: ExpectedGradients;
  tolerance: ToleranceWithReason | null;
}

export interface GradOp {
  op: string;
  cases: GradCase[];
}

export interface GradSet {
  manifest: GradManifest;
  /** The forward set the cases refer to. */
  forward: GoldenSet;
  ops: GradOp[];
  /** Files or ops that could not be used, each naming its file; the other ops still load. */
  broken: GoldenError[];
}

/**
 * A gradient set and the forward set it was made from. The manifests' problems throw (a gradient set of
 * another forward set or Keras version among them); a broken op file spoils only its op, as in loadGolden.
 */
export function loadGradSet(source: GoldenSource, forwardSource: GoldenSource): GradSet {
  const manifest = readGradManifest(source);
  const forwardBytes = forwardSource.read(MANIFEST);
  if (forwardBytes && forwardSource.sha256(forwardBytes) !== manifest.forward_manifest) {
    throw new GoldenError(
      source.label(MANIFEST),
      `made from another forward set than ${forwardSource.label(MANIFEST)} (its sha256 is not ${manifest.forward_manifest}): ` +
        'regenerate both with npm run golden',
    );
  }
  const forward = loadGolden(forwardSource);
  if (forward.manifest.versions.keras !== manifest.versions.keras) {
    throw new GoldenError(source.label(MANIFEST), `Keras ${manifest.versions.keras}, its forward set Keras ${forward.manifest.versions.keras}`);
  }
  const forwardCases = new Map(forward.ops.flatMap((o) => o.cases.map((c) => [c.id, c] as const)));
  const broken = [...forward.broken];
  const ops: GradOp[] = [];
  for (const op of opsOf(manifest)) {
    const loaded = tryOrRecord(() => {
      const { text, file, tensors } = readOpFiles(source, manifest, op);
      return parseGradFile(text, file, op, tensors, forwardCases);
    }, broken);
    if (loaded) ops.push(loaded);
  }
  return { manifest, forward, ops, broken };
}

function readGradManifest(source: GoldenSource): GradManifest {
  const manifest = readManifest(source) as Manifest & { [FORWARD_MANIFEST]?: unknown };
  const sha = manifest[FORWARD_MANIFEST];
  if (typeof sha !== 'string' || !/^[0-9a-f]{64}$/.test(sha)) {
    throw new GoldenError(source.label(MANIFEST), `not a gradient set: "${FORWARD_MANIFEST}" must be the sha256 of its forward manifest`);
  }
  return manifest as GradManifest;
}

/** Parses a gradient set's `<op>.json`; `forward` maps forward case ids to their cases. */
export function parseGradFile(
  text: string,
  file: string,
  op: string,
  tensors: ReadonlyMap<string, GoldenTensor>,
  forward: ReadonlyMap<string, GoldenCase>,
): GradOp {
  const fail: Fail = (why) => new GoldenError(file, why);
  const cases = parseCaseList(text, op, fail).map((raw, i) => parseGradCase(raw, i, op, tensors, forward, fail));
  return { op, cases: uniqueIds(cases, fail) };
}

function parseGradCase(
  raw: unknown,
  index: number,
  op: string,
  tensors: ReadonlyMap<string, GoldenTensor>,
  forward: ReadonlyMap<string, GoldenCase>,
  fail: Fail,
): GradCase {
  if (!isObject(raw) || typeof raw.id !== 'string') throw fail(`case ${index} has no string id`);
  const id = raw.id;
  const failCase: Fail = (why) => fail(`case ${id}: ${why}`);
  const forwardCase = forward.get(id);
  if (!forwardCase || forwardCase.op !== op) throw failCase(`no case ${id} of ${op} in the forward set`);
  if (!Array.isArray(raw.cotangents)) throw failCase('cotangents must be an array');
  return {
    id,
    op,
    forward: forwardCase,
    cotangents: raw.cotangents.map((c) => tensorRef(c, tensors, failCase, 'every cotangent')),
    expected: parseGradExpected(raw.expected, tensors, failCase),
    tolerance: parseTolerance(raw.tolerance, failCase),
  };
}

function parseGradExpected(raw: unknown, tensors: ReadonlyMap<string, GoldenTensor>, fail: Fail): ExpectedGradients {
  const gradients = isObject(raw) ? raw.gradients : undefined;
  if (isObject(gradients) && Object.keys(gradients).length > 0) {
    const entries = Object.entries(gradients).map(([name, ref]) => [name, tensorRef(ref, tensors, fail, `the gradient of ${name}`)]);
    return { gradients: Object.fromEntries(entries) };
  }
  const error = parseError(raw);
  if (error) return { error };
  throw fail('expected must be {"gradients": {<parameter>: {"tensor": key}, ...}} or {"error": {"class", "message"}}');
}
