/**
 * Loads a golden directory: the manifest, then every file it lists, each checked against its sha256
 * before it is parsed. Where the bytes come from is a `GoldenSource` (node.ts reads a directory), so the
 * same loader can serve a browser runner.
 */
import { parseOpFile, type GoldenOp } from './cases.js';
import { GoldenError } from './errors.js';
import { readSafetensors, type GoldenTensor } from './safetensors.js';

export const MANIFEST = 'manifest.json';

export interface Manifest {
  format: 1;
  seed: number;
  /** Versions of keras, jax, jaxlib, tensorflow, numpy and python that produced the files. */
  versions: Record<string, string>;
  /** Every golden file but the manifest, with its sha256 (lower-case hex). */
  files: Record<string, string>;
}

export interface GoldenSource {
  /** How to name a file in a message, e.g. `golden/conv.json`. */
  label(name: string): string;
  /** The file's bytes, or undefined when it does not exist. */
  read(name: string): Uint8Array | undefined;
  /** Lower-case hex sha256 of the bytes. */
  sha256(bytes: Uint8Array): string;
}

export interface GoldenSet {
  manifest: Manifest;
  ops: GoldenOp[];
  /** Files or ops that could not be used; each error names its file. The other ops still load. */
  broken: GoldenError[];
}

export function readManifest(source: GoldenSource): Manifest {
  const file = source.label(MANIFEST);
  const bytes = source.read(MANIFEST);
  if (!bytes) throw new GoldenError(file, 'missing: generate the goldens with tools/gen_golden.py (npm run golden)');
  let m: Partial<Manifest>;
  try {
    m = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new GoldenError(file, `not valid JSON (${(e as Error).message})`);
  }
  if (m === null || typeof m !== 'object' || m.format !== 1) {
    throw new GoldenError(file, `unknown format ${JSON.stringify(m?.format)}; this loader reads format 1`);
  }
  if (!isStringMap(m.files) || !isStringMap(m.versions)) throw new GoldenError(file, '"files" and "versions" must map names to strings');
  for (const [name, sha] of Object.entries(m.files)) {
    if (!/^[A-Za-z0-9_.-]+$/.test(name) || name === MANIFEST) throw new GoldenError(file, `bad file name ${JSON.stringify(name)}`);
    if (!/^[0-9a-f]{64}$/.test(sha)) throw new GoldenError(file, `${name} has no sha256 (got ${JSON.stringify(sha)})`);
  }
  return m as Manifest;
}

/** A listed file's bytes, only once they match the manifest's sha256. */
export function verifiedBytes(source: GoldenSource, manifest: Manifest, name: string): Uint8Array {
  const file = source.label(name);
  const want = manifest.files[name];
  if (want === undefined) throw new GoldenError(file, `not listed in ${MANIFEST}`);
  const bytes = source.read(name);
  if (!bytes) throw new GoldenError(file, `missing, though ${MANIFEST} lists it`);
  const got = source.sha256(bytes);
  if (got !== want) {
    throw new GoldenError(
      file,
      `sha256 mismatch: ${MANIFEST} says ${want}, the file (${bytes.length} bytes) hashes to ${got}. ` +
        'It is truncated or changed since generation: regenerate with tools/gen_golden.py, never edit by hand.',
    );
  }
  return bytes;
}

/** The ops that have a case list: `<op>.json` in the manifest. */
export function opsOf(manifest: Manifest): string[] {
  return Object.keys(manifest.files)
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.slice(0, -'.json'.length))
    .sort();
}

/** One op's files, each verified: the text of `<op>.json` (`file` its label) and its tensors. */
export interface OpFiles {
  text: string;
  file: string;
  tensors: ReadonlyMap<string, GoldenTensor>;
}

/** An op whose cases hold no tensor may have no safetensors file. */
export function readOpFiles(source: GoldenSource, manifest: Manifest, op: string): OpFiles {
  const tensorsName = `${op}.safetensors`;
  const tensors: ReadonlyMap<string, GoldenTensor> =
    tensorsName in manifest.files
      ? readSafetensors(verifiedBytes(source, manifest, tensorsName), source.label(tensorsName))
      : new Map();
  const jsonName = `${op}.json`;
  return { text: new TextDecoder().decode(verifiedBytes(source, manifest, jsonName)), file: source.label(jsonName), tensors };
}

/** One op's cases, tensors resolved. */
export function loadOp(source: GoldenSource, manifest: Manifest, op: string): GoldenOp {
  const { text, file, tensors } = readOpFiles(source, manifest, op);
  return parseOpFile(text, file, op, tensors, manifest.versions.keras);
}

/** The manifest key by which a gradient set (grad.ts) names the forward set it was made from. */
export const FORWARD_MANIFEST = 'forward_manifest';

/** The manifest (its errors throw), then every op; a broken file spoils only its own op. */
export function loadGolden(source: GoldenSource): GoldenSet {
  const manifest = readManifest(source);
  if (FORWARD_MANIFEST in manifest) {
    throw new GoldenError(source.label(MANIFEST), 'a gradient set, not a forward one: read it with loadGradSet (docs/golden-format.md)');
  }
  const ops: GoldenOp[] = [];
  const broken: GoldenError[] = [];
  const opFiles = new Set(opsOf(manifest).flatMap((op) => [`${op}.json`, `${op}.safetensors`]));
  for (const name of Object.keys(manifest.files).filter((n) => !opFiles.has(n))) {
    tryOrRecord(() => verifiedBytes(source, manifest, name), broken);
  }
  for (const op of opsOf(manifest)) {
    const loaded = tryOrRecord(() => loadOp(source, manifest, op), broken);
    if (loaded) ops.push(loaded);
  }
  return { manifest, ops, broken };
}

/** fn's value, or undefined with its GoldenError recorded in `broken` (any other error throws). */
export function tryOrRecord<T>(fn: () => T, broken: GoldenError[]): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof GoldenError)) throw e;
    broken.push(e);
    return undefined;
  }
}

function isStringMap(v: unknown): v is Record<string, string> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((s) => typeof s === 'string');
}
