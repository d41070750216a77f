/**
 * Where a fuzz call runs. The fuzz runner (./run.ts) hands every call to a CaseRunner and does not care
 * where it runs: a backend of this process (localRunner, here) or one in a Chromium page
 * (src/browser/node/fuzz.ts), which the call reaches as data.
 */
import { currentAdapter, getBackend, setBackend } from '../backend/registry.js';
import type { GoldenCase } from '../golden/cases.js';
import type { GradCase } from '../golden/grad.js';
import { safeRunGradCase } from '../golden/grad-run.js';
import type { ToleranceEntry } from '../golden/policy.js';
import { safeRunCase, type CaseResult } from '../golden/run.js';
import { GRADIENT_TOLERANCES, TOLERANCES } from '../golden/tolerances.js';
import { nodeProgram, type ProgramTarget } from './snippet.js';

export interface CaseRunner {
  /** As reports and tolerance and exclusion entries name it: tfjs-wasm, chromium:tfjs-webgl. */
  readonly backend: string;
  /** Where the keras-parity program reproducing a call runs (./snippet.ts). */
  readonly program: ProgramTarget;
  /** Readies the backend for a series of calls; resolves to what undoes that. */
  begin(): Promise<() => Promise<void>>;
  /** Replays the case there and compares (safeRunCase): never throws, a failure is a failing result. */
  run(c: GoldenCase): Promise<CaseResult>;
  /** Whether the backend has a backward rule for `op` (asked once begin() has readied it). */
  hasBackwardRule(op: string): boolean;
  /** Replays a gradient case there through ops.vjp and its pullback and compares (safeRunGradCase); never throws. */
  runGrad(c: GradCase): Promise<CaseResult>;
}

/** A backend of this process's registry: active while the calls run, the previous one restored after. */
export function localRunner(backend: string, tolerances: readonly ToleranceEntry[] = TOLERANCES, gradTolerances: readonly ToleranceEntry[] = GRADIENT_TOLERANCES): CaseRunner {
  return {
    backend,
    program: nodeProgram(backend),
    begin: async () => {
      const previous = getBackend();
      await setBackend(backend);
      return () => setBackend(previous);
    },
    run: (c) => safeRunCase(c, backend, tolerances),
    hasBackwardRule: (op) => op in (currentAdapter().vjps ?? {}),
    runGrad: (c) => safeRunGradCase(c, backend, gradTolerances),
  };
}
