/**
 * tfjs-tensorflow under both of libtensorflow's CPU kernel sets: TF_ENABLE_ONEDNN_OPTS=0 (its plain
 * kernels, what every CPU without AVX-512-class features runs by default) and =1 (oneDNN's). The library
 * reads the variable once as it loads, so each setting runs in a process of its own: the conformance
 * suite through `keras-parity run`, and a fuzz sweep against live Keras with a fixed seed.
 *
 * Pending when tfjs-tensorflow cannot start here, failing instead when KERAS_PARITY_BACKENDS names it
 * (CI); the fuzz sweep needs live Keras as spec/keras.ts says.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { listBackends } from '../src/index.js';
import { kerasMissing, withKeras } from './keras.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BACKEND = 'tfjs-tensorflow';
const SETTINGS = ['0', '1'] as const;
const FUZZ_SEED = '20261205';
const FUZZ_CASES = '8';

interface Run {
  code: number;
  output: string;
}

/** `keras-parity ...args` from the sources with TF_ENABLE_ONEDNN_OPTS set before libtensorflow loads. */
function kerasParity(args: string[], onednn: string): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1', TF_ENABLE_ONEDNN_OPTS: onednn },
        timeout: 600_000,
        maxBuffer: 64 << 20,
      },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

const demanded = process.env.KERAS_PARITY_BACKENDS?.split(',').map((s) => s.trim()) ?? [];
const info = (await listBackends()).find((b) => b.name === BACKEND);
const unavailable = info?.available ? undefined : (info?.reason ?? `${BACKEND} is not registered`);
const missingKeras = unavailable ? undefined : await kerasMissing();

describe(`${BACKEND} with oneDNN off and on (TF_ENABLE_ONEDNN_OPTS, one process each)`, function () {
  this.timeout(600_000);
  if (unavailable) {
    const title = `${BACKEND} cannot start: ${unavailable}`;
    if (demanded.includes(BACKEND)) it(title, () => expect.fail(`${unavailable} (KERAS_PARITY_BACKENDS names ${BACKEND})`));
    else it(title);
    return;
  }
  for (const onednn of SETTINGS) {
    describe(`TF_ENABLE_ONEDNN_OPTS=${onednn}`, () => {
      it('passes every golden case, and the report says which kernels ran', async () => {
        const out = mkdtempSync(join(tmpdir(), `onednn-${onednn}-`));
        try {
          const run = await kerasParity(['run', '--backend', BACKEND, '--require', BACKEND, '--no-bench', '--progress', 'none', '--out', out], onednn);
          expect(run.code, run.output.slice(-4000)).to.equal(0);
          const report = readFileSync(join(out, 'report.md'), 'utf8');
          expect(report).to.match(new RegExp(`oneDNN:? ${onednn === '1' ? 'on' : 'off'} \\(TF_ENABLE_ONEDNN_OPTS=${onednn}\\)`));
        } finally {
          rmSync(out, { recursive: true, force: true });
        }
      });
      withKeras(missingKeras, () => {
        it(`matches live Keras in a fuzz sweep (seed ${FUZZ_SEED}, ${FUZZ_CASES} calls per op)`, async () => {
          const args = ['fuzz', '--backend', BACKEND, '--cases', FUZZ_CASES, '--seed', FUZZ_SEED, '--progress', 'none'];
          const run = await kerasParity(args, onednn);
          expect(run.code, run.output.slice(-4000)).to.equal(0);
        });
      });
    });
  }
});
