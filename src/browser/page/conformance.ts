/**
 * The page side of the browser conformance runner (bundled as dist/browser/conformance.js): loads the
 * golden sets and gradient sets over HTTP, starts one keras-parity backend, and replays golden cases on it
 * by Keras version and id, or cases sent whole as data (fuzz calls, src/fuzz/wire.ts's encodeCase), with
 * the same runCase (each case with its version's ops), tolerance policy and comparison as Node, and
 * gradient cases by version and id with Node's runGradCase (src/golden/grad-run.ts). The Node side
 * (src/browser/node/) calls these functions through Playwright's page.evaluate; results travel back as
 * plain data.
 */
import { currentAdapter, setBackend, startedInfo, type BackendInfo } from '../../backend/registry.js';
import { BackendUnavailableError } from '../../errors.js';
import type { GoldenCase } from '../../golden/cases.js';
import { loadGolden, MANIFEST, readManifest, type GoldenSource } from '../../golden/loader.js';
import { SEED_KERAS } from '../../keras-versions.js';
import type { ToleranceEntry } from '../../golden/policy.js';
import { safeRunCase, type CaseResult } from '../../golden/run.js';
import { loadGradSet, type GradCase } from '../../golden/grad.js';
import { safeRunGradCase } from '../../golden/grad-run.js';
import { runComposition as runStep, type CompositionFixture, type CompositionResult } from '../../golden/composition.js';
import { decodeCase, decodeGradCase, encodeCase, type WireCase, type WireGradCase } from '../../fuzz/wire.js';
import '../index.js';

export interface LoadedGoldens {
  /** The Keras version of the set, from its manifest. */
  keras: string;
  /** Every case id of the set the page can run, in golden order. */
  ids: string[];
  /** Files that could not be used, each message naming its file (those ops are missing from `ids`). */
  broken: string[];
}

/** Every loaded case by `version/id`: ids repeat across Keras versions. */
const cases = new Map<string, GoldenCase>();
/** Every loaded gradient case, by `version/id` as `cases`. */
const gradCases = new Map<string, GradCase>();
let tolerances: readonly ToleranceEntry[] = [];
let gradTolerances: readonly ToleranceEntry[] = [];

const caseKey = (keras: string | undefined, id: string) => `${keras ?? SEED_KERAS}/${id}`;

/** The tolerance tables every case and every gradient case here are compared with, as Node sends them. */
export function useTolerances(table: readonly ToleranceEntry[], gradTable: readonly ToleranceEntry[] = []): void {
  tolerances = table;
  gradTolerances = gradTable;
}

/** Loads the set under `baseUrl` beside the sets loaded before (another Keras version's; the same version's again replaces its cases). */
export async function loadGoldens(baseUrl: string): Promise<LoadedGoldens> {
  const set = loadGolden(await fetchSet(baseUrl, 'golden/'));
  return keep(cases, set.manifest.versions.keras, set.ops, set.broken);
}

/**
 * Loads the gradient set under `baseUrl`, made from the forward set under `forwardUrl` (its cases
 * differentiate that set's), beside the gradient sets loaded before, as loadGoldens does.
 */
export async function loadGradGoldens(baseUrl: string, forwardUrl: string): Promise<LoadedGoldens> {
  const set = loadGradSet(await fetchSet(baseUrl, 'golden/grad/'), await fetchSet(forwardUrl, 'golden/'));
  return keep(gradCases, set.manifest.versions.keras, set.ops, set.broken);
}

/** `ops`' cases in `into` under their version, in place of those that version had there. */
function keep<C extends { id: string }>(into: Map<string, C>, version: string | undefined, ops: readonly { cases: C[] }[], broken: readonly Error[]): LoadedGoldens {
  const keras = version ?? SEED_KERAS;
  for (const key of [...into.keys()]) if (key.startsWith(`${keras}/`)) into.delete(key);
  const ids: string[] = [];
  for (const c of ops.flatMap((op) => op.cases)) {
    into.set(caseKey(keras, c.id), c);
    ids.push(c.id);
  }
  return { keras, ids, broken: broken.map((e) => e.message) };
}

/**
 * The set under `baseUrl`: its manifest and every file it lists, fetched and hashed (crypto.subtle is
 * async, the loader is not: the digests are computed first and looked up by the bytes' identity). The
 * manifest is hashed too: a gradient set names its forward set by the manifest's sha256.
 */
async function fetchSet(baseUrl: string, labelPrefix: string): Promise<GoldenSource> {
  const files = new Map<string, Uint8Array>();
  const digests = new Map<Uint8Array, string>();
  const fetchOne = async (name: string) => {
    const bytes = await fetchBytes(baseUrl, name);
    if (!bytes) return;
    files.set(name, bytes);
    digests.set(bytes, await sha256(bytes));
  };
  await fetchOne(MANIFEST);
  const source: GoldenSource = {
    label: (name) => `${labelPrefix}${name}`,
    read: (name) => files.get(name),
    sha256: (bytes) => digests.get(bytes) ?? '(not hashed)',
  };
  await Promise.all(Object.keys(readManifest(source).files).map(fetchOne));
  return source;
}

async function fetchBytes(baseUrl: string, name: string): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const response = await fetch(new URL(name, baseUrl));
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`GET ${response.url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Makes `name` the active backend: available with its device, or unavailable with the reason. */
export async function startBackend(name: string): Promise<BackendInfo> {
  try {
    await setBackend(name);
    return { ...startedInfo(currentAdapter()), name };
  } catch (e) {
    const reason = e instanceof BackendUnavailableError ? e.reason : e instanceof Error ? e.message : String(e);
    return { name, available: false, reason };
  }
}

/**
 * Replays one case of Keras `keras` (absent: 3.6.0) on the active backend with that version's ops;
 * `adapter` is the name tolerance entries match (chromium:tfjs-webgl).
 */
export async function runGoldenCase(id: string, adapter: string, keras?: string): Promise<CaseResult> {
  const c = cases.get(caseKey(keras, id));
  if (!c) return { ok: false, failure: `the page has no golden case ${id} of Keras ${keras ?? SEED_KERAS}`, outputs: [] };
  return safeRunCase(c, adapter, tolerances);
}

/** The ops the active backend has a backward rule for: a gradient case of another op has nothing to check there yet. */
export function backwardRules(): string[] {
  return Object.keys(currentAdapter().vjps ?? {});
}

/**
 * Replays one gradient case of Keras `keras` (absent: 3.6.0) on the active backend through that
 * version's ops.vjp and its pullback, as Node's gradient conformance does; `adapter` as for runGoldenCase.
 */
export async function runGradGoldenCase(id: string, adapter: string, keras?: string): Promise<CaseResult> {
  const c = gradCases.get(caseKey(keras, id));
  if (!c) return { ok: false, failure: `the page has no gradient case ${id} of Keras ${keras ?? SEED_KERAS}`, outputs: [] };
  return safeRunGradCase(c, adapter, gradTolerances);
}

/** The training step of golden/composition/ on the active backend, as Node's composition spec runs it. */
export function runComposition(fixture: CompositionFixture): Promise<CompositionResult[]> {
  return runStep(fixture);
}

/**
 * Replays a case sent as data (a fuzz call and Keras's answer) on the active backend, as runGoldenCase
 * does, with the ops of the Keras version it names (absent: 3.6.0).
 */
export async function runSentCase(sent: WireCase & { keras?: string }, adapter: string): Promise<CaseResult> {
  let c: GoldenCase;
  try {
    c = { ...decodeCase(sent), ...(sent.keras ? { keras: sent.keras } : {}) };
  } catch (e) {
    return { ok: false, failure: `the page could not read the case: ${e instanceof Error ? e.message : String(e)}`, outputs: [] };
  }
  return safeRunCase(c, adapter, tolerances);
}

/** Replays a gradient case sent as data (a fuzz call, its cotangents and jax.vjp's gradients) as runGradGoldenCase does. */
export async function runSentGradCase(sent: WireGradCase, adapter: string): Promise<CaseResult> {
  let c: GradCase;
  try {
    c = decodeGradCase(sent);
  } catch (e) {
    return { ok: false, failure: `the page could not read the gradient case: ${e instanceof Error ? e.message : String(e)}`, outputs: [] };
  }
  return safeRunGradCase(c, adapter, gradTolerances);
}

/** The case as the page rebuilt it, encoded again: lets a spec check that a sent case arrives bit for bit. */
export function echoCase(sent: WireCase): WireCase {
  return encodeCase(decodeCase(sent));
}
