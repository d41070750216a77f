/**
 * The page side of the browser conformance runner (bundled as dist/browser/conformance.js): loads the
 * golden sets over HTTP, starts one keras-parity backend, and replays golden cases on it by Keras version
 * and id, or cases sent whole as data (fuzz calls, src/fuzz/wire.ts's encodeCase), with the same runCase
 * (each case with its version's ops), tolerance policy and comparison as Node. The Node side (src/browser/node/) calls these functions through Playwright's
 * page.evaluate; results travel back as plain data.
 */
import { currentAdapter, setBackend, startedInfo, type BackendInfo } from '../../backend/registry.js';
import { BackendUnavailableError } from '../../errors.js';
import type { GoldenCase } from '../../golden/cases.js';
import { loadGolden, MANIFEST, readManifest, type GoldenSource } from '../../golden/loader.js';
import { SEED_KERAS } from '../../keras-versions.js';
import type { ToleranceEntry } from '../../golden/policy.js';
import { safeRunCase, type CaseResult } from '../../golden/run.js';
import { decodeCase, encodeCase, type WireCase } from '../../fuzz/wire.js';
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
let tolerances: readonly ToleranceEntry[] = [];

const caseKey = (keras: string | undefined, id: string) => `${keras ?? SEED_KERAS}/${id}`;

/** The tolerance table every case here is compared with, as Node sends it. */
export function useTolerances(table: readonly ToleranceEntry[]): void {
  tolerances = table;
}

/**
 * Fetches the manifest under `baseUrl` and every file it lists, hashes them (crypto.subtle is async, the
 * loader is not: the digests are computed first and looked up by the bytes' identity), then loads them
 * beside the sets loaded before (another Keras version's; the same version's again replaces its cases).
 */
export async function loadGoldens(baseUrl: string): Promise<LoadedGoldens> {
  const files = new Map<string, Uint8Array>();
  const manifestBytes = await fetchBytes(baseUrl, MANIFEST);
  if (manifestBytes) files.set(MANIFEST, manifestBytes);
  const digests = new Map<Uint8Array, string>();
  const source: GoldenSource = {
    label: (name) => `golden/${name}`,
    read: (name) => files.get(name),
    sha256: (bytes) => digests.get(bytes) ?? '(not hashed)',
  };
  const names = Object.keys(readManifest(source).files);
  await Promise.all(
    names.map(async (name) => {
      const bytes = await fetchBytes(baseUrl, name);
      if (!bytes) return;
      files.set(name, bytes);
      digests.set(bytes, await sha256(bytes));
    }),
  );
  const set = loadGolden(source);
  const keras = set.manifest.versions.keras ?? SEED_KERAS;
  for (const key of [...cases.keys()]) if (key.startsWith(`${keras}/`)) cases.delete(key);
  const ids: string[] = [];
  for (const op of set.ops) {
    for (const c of op.cases) {
      cases.set(caseKey(keras, c.id), c);
      ids.push(c.id);
    }
  }
  return { keras, ids, broken: set.broken.map((e) => e.message) };
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

/** The case as the page rebuilt it, encoded again: lets a spec check that a sent case arrives bit for bit. */
export function echoCase(sent: WireCase): WireCase {
  return encodeCase(decodeCase(sent));
}
