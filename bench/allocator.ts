/**
 * The C allocator the benchmark runs under. glibc serves a large buffer (TF.js's outputs, the arrays
 * data() returns: 4 MB at 1e6 floats) either from a fresh mmap, which page-faults on first touch, or
 * from heap it already holds, and moves that threshold as buffers are freed, so a call's time depends
 * on what ran before it. Under the default, tfjs-wasm's relu on 1e6 floats had medians of 0.93 to
 * 1.42 ms from run to run, and in one run the same call, plain and wrapped in a Tensor, 1.42 and
 * 1.86 ms (120 interleaved samples each). Under these fixed thresholds every large buffer comes from
 * held heap: 0.76 and 0.77 ms, run after run. Both sides of every ratio run under them alike.
 */
import { spawnSync } from 'node:child_process';

export const ALLOCATOR_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: String(256 << 20),
  MALLOC_TRIM_THRESHOLD_: String(1024 << 20),
  MALLOC_TOP_PAD_: String(64 << 20),
};

/** Re-runs this script under ALLOCATOR_ENV unless it already is (the variables are read at start-up). */
export function runUnderPinnedAllocator(): void {
  if (Object.entries(ALLOCATOR_ENV).every(([k, v]) => process.env[k] === v)) return;
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, ...ALLOCATOR_ENV },
  });
  process.exit(r.status ?? 1);
}
