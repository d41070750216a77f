/// <reference types="node" />
/**
 * `keras-parity fuzz --grad --save DIR`: a shrunk gradient mismatch becomes a gradient golden case
 * (docs/golden-format.md) under DIR: its call and Keras's outputs in the forward set DIR/keras-<version>/,
 * its cotangents and jax.vjp's gradients in the gradient set DIR/grad/keras-<version>/, each set with its
 * manifest (the gradient set's naming the forward one's sha256), so src/golden/node.ts's gradSetDirs(DIR)
 * finds it, loadGradSetDir reads it, and the gradient conformance spec replays it
 * (KERAS_PARITY_GOLDEN_DIR=DIR). Cases saved to DIR before stay; tensors keep every bit.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GoldenValue } from '../golden/cases.js';
import type { GradCase } from '../golden/grad.js';
import { FORWARD_MANIFEST, MANIFEST } from '../golden/loader.js';
import { encodeSafetensors, GoldenTensor, readSafetensors } from '../golden/safetensors.js';
import { freeId } from './save.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Where a saved case came from: the command that found it, the backend, the failure in one line. */
export interface GradFound {
  command: string;
  backend: string;
  mismatch: string;
}

/** The forward and gradient set folders of Keras `keras` under `dir`, as gradSetDirs(dir) finds them. */
export function gradSaveDirs(dir: string, keras: string): { forwardDir: string; dir: string } {
  return { forwardDir: join(dir, `keras-${keras}`), dir: join(dir, 'grad', `keras-${keras}`) };
}

/**
 * Adds the case as `<op>/found-<name>` (`-2`, `-3`... when taken) to the sets of its Keras version under
 * `dir`, made by `versions` (the oracle's: keras, jax...) with the run's `seed`; returns the id.
 */
export function saveGradCase(dir: string, c: GradCase, name: string, versions: Readonly<Record<string, string>>, seed: number, found: GradFound): string {
  const keras = versions.keras;
  const dirs = gradSaveDirs(dir, keras);
  const forward = readOp(dirs.forwardDir, c.op);
  const grads = readOp(dirs.dir, c.op);
  const id = freeId(c.op, name, new Set(forward.cases.map((x) => (x as { id: string }).id)));
  const f = c.forward;
  const ref = (t: GoldenTensor, key: string, into: Map<string, GoldenTensor>): Json => (into.set(`${id}/${key}`, t), { tensor: `${id}/${key}` });
  forward.cases.push({
    id,
    args: f.args.map((v, i) => refs(v, `args/${i}`, (t, key) => ref(t, key, forward.tensors))),
    kwargs: Object.fromEntries(Object.entries(f.kwargs).map(([k, v]) => [k, refs(v, `kwargs/${k}`, (t, key) => ref(t, key, forward.tensors))])),
    expected: 'outputs' in f.expected ? { outputs: f.expected.outputs.map((t, i) => ref(t, `out/${i}`, forward.tensors)) } : { error: { ...f.expected.error } },
    tolerance: f.tolerance ? { ...f.tolerance } : null,
    backends: {},
  });
  const expected: Json =
    'gradients' in c.expected
      ? { gradients: Object.fromEntries(Object.entries(c.expected.gradients).map(([k, t]) => [k, ref(t, `grad/${k}`, grads.tensors)])) }
      : { error: { ...c.expected.error } };
  grads.cases.push({
    id,
    cotangents: c.cotangents.map((t, i) => ref(t, `cotangent/${i}`, grads.tensors)),
    expected,
    tolerance: c.tolerance ? { ...c.tolerance } : null,
    found: { ...found },
  });
  const manifest = { format: 1, seed, versions: { ...versions } };
  const forwardManifest = writeSet(dirs.forwardDir, c.op, forward, manifest);
  writeSet(dirs.dir, c.op, grads, { ...manifest, [FORWARD_MANIFEST]: sha256(forwardManifest) });
  return id;
}

/** A value of a call as the golden format writes it: tensors by reference (`put` stores them under `key`), tuples as arrays. */
function refs(v: GoldenValue, key: string, put: (t: GoldenTensor, key: string) => Json): Json {
  if (v instanceof GoldenTensor) return put(v, key);
  if (Array.isArray(v)) return v.map((x, j) => refs(x, `${key}/${j}`, put));
  if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`${key} is ${v}, a number JSON cannot hold: the golden format has no place for it`);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, refs(x, `${key}/${k}`, put)]));
  return v;
}

interface OpDoc {
  cases: Json[];
  tensors: Map<string, GoldenTensor>;
}

/** The op's cases and tensors saved in `dir` before, or none. */
function readOp(dir: string, op: string): OpDoc {
  const json = join(dir, `${op}.json`);
  const st = join(dir, `${op}.safetensors`);
  const cases = existsSync(json) ? (JSON.parse(readFileSync(json, 'utf8')) as { cases: Json[] }).cases : [];
  const tensors = existsSync(st) ? new Map(readSafetensors(new Uint8Array(readFileSync(st)), st)) : new Map<string, GoldenTensor>();
  return { cases, tensors };
}

/** Writes the op's files and the manifest listing every file of `dir` with its sha256; returns the manifest's bytes. */
function writeSet(dir: string, op: string, doc: OpDoc, manifest: Record<string, unknown>): Buffer {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${op}.json`), `${JSON.stringify({ op, cases: doc.cases }, null, 1)}\n`);
  const tensors = [...doc.tensors].map(([key, t]) => ({ key, dtype: t.dtype, shape: t.shape, data: t.data }));
  writeFileSync(join(dir, `${op}.safetensors`), encodeSafetensors(tensors));
  const files = Object.fromEntries(
    readdirSync(dir)
      .filter((name) => name !== MANIFEST && /\.(json|safetensors)$/.test(name))
      .sort()
      .map((name) => [name, sha256(readFileSync(join(dir, name)))]),
  );
  const bytes = Buffer.from(`${JSON.stringify({ ...manifest, files }, null, 1)}\n`);
  writeFileSync(join(dir, MANIFEST), bytes);
  return bytes;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
