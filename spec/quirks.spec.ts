/**
 * adapters/tfjs/quirks.ts: only it names a TF.js backend, and the compositions that stand in for a
 * depthwise conv a backend's kernel refuses give what a kernel that takes the call gives: on tfjs-cpu,
 * whose kernel takes every dilation and stride, each composition must match that kernel on the same
 * call (itself checked against Keras by the conformance suite). Each call has a window that reads the
 * last input cell and one that cannot, so a lost or misplaced phase shows.
 */
import * as tf from '@tensorflow/tfjs-core';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { composedDilation, composedStrides } from '../adapters/tfjs/conv.js';
import { cast } from '../adapters/tfjs/gpu-layout.js';
import { QUIRKS, quirk } from '../adapters/tfjs/quirks.js';
import { setBackend } from '../src/index.js';

type Pads = 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

const seeded = (shape: number[], seed: number): tf.Tensor4D => tf.randomUniform(shape as [number, number, number, number], -2, 2, 'float32', seed);

function expectSame(got: tf.Tensor, want: tf.Tensor): void {
  expect(got.shape).to.deep.equal(want.shape);
  const [g, w] = [Array.from(got.dataSync()), Array.from(want.dataSync())];
  const worst = g.reduce((m, v, i) => Math.max(m, Math.abs(v - w[i]) / (1 + Math.abs(w[i]))), 0);
  expect(worst, 'largest difference, relative to 1 + |want|').to.be.below(1e-6);
}

describe('depthwise conv where the kernel refuses (composed, against tfjs-cpu\'s native kernel)', () => {
  before(async () => {
    await setBackend('tfjs-cpu');
    // The adapter makes TF.js's cpu backend active only inside its kernels; these calls are direct.
    await tf.setBackend('cpu');
  });
  after(() => setBackend('reference'));

  it('the refusal probes find none on tfjs-cpu (its kernels take every call)', () => {
    const refusals = Object.entries(QUIRKS).filter(([, q]) => typeof q.on === 'function');
    expect(refusals).to.not.be.empty;
    for (const [name] of refusals) expect(quirk[name as keyof typeof QUIRKS](), name).to.equal(false);
  });

  const dilations: [number[], number[], number[], Pads][] = [
    // input (B, H, W, C), kernel (kh, kw, C, M), dilation, pads
    [[1, 7, 8, 2], [2, 3, 2, 1], [2, 2], 'valid'],
    [[2, 9, 5, 3], [3, 2, 3, 2], [3, 1], 'valid'],
    [[1, 6, 6, 1], [2, 2, 1, 3], [1, 2], [[0, 0], [1, 2], [0, 1], [0, 0]]],
    [[1, 5, 11, 2], [1, 3, 2, 1], [1, 4], 'valid'], // a 1-D conv's (1, d) view
  ];
  for (const [xs, ks, d, pads] of dilations) {
    it(`dilation ${d} on ${xs} by ${ks} (${pads === 'valid' ? 'valid' : 'explicit pads'})`, () => {
      tf.tidy(() => {
        const [x, k] = [seeded(xs, 1), seeded(ks, 2)];
        const dil = d as [number, number];
        expectSame(composedDilation(x, k, pads, dil), tf.depthwiseConv2d(x, k, 1, pads, 'NHWC', dil));
      });
    });
  }

  const strides: [number[], number[], number[], Pads][] = [
    [[1, 9, 9, 2], [3, 3, 2, 1], [1, 2], 'valid'],
    [[2, 10, 7, 1], [2, 2, 1, 2], [4, 2], 'valid'],
    [[1, 8, 13, 2], [1, 3, 2, 1], [1, 3], [[0, 0], [0, 0], [1, 1], [0, 0]]],
  ];
  for (const [xs, ks, s, pads] of strides) {
    it(`strides ${s} on ${xs} by ${ks} (${pads === 'valid' ? 'valid' : 'explicit pads'})`, () => {
      tf.tidy(() => {
        const [x, k] = [seeded(xs, 3), seeded(ks, 4)];
        const st = s as [number, number];
        expectSame(composedStrides(x, k, st, pads), tf.depthwiseConv2d(x, k, st, pads, 'NHWC', 1));
      });
    });
  }
});

describe('the cast of int32 to float32 rounds as XLA converts (castToFloatRelabels)', () => {
  // Math.fround is the float32 nearest each int32 (ties to even): 2^24 + 1 -> 2^24, 2^31 - 1 -> 2^31.
  const ints = [16777217, 2 ** 31 - 1, -(2 ** 31), -16777219, 5];
  for (const [name, tfName] of [['tfjs-cpu', 'cpu'], ['tfjs-wasm', 'wasm'], ['tfjs-tensorflow', 'tensorflow']]) {
    it(`on ${name}`, async function () {
      if (!(await setBackend(name).then(() => true, () => false))) this.skip();
      await tf.setBackend(tfName);
      const y = tf.tidy(() => Array.from(cast(tf.tensor1d(ints, 'int32'), 'float32').dataSync()));
      expect(y).to.deep.equal(ints.map(Math.fround));
    });
  }
  after(() => setBackend('reference'));
});

describe('TF.js backend names', () => {
  // Starting a backend and activating it name it; every kernel asks quirks.ts instead.
  const ALLOWED = new Set(['quirks.ts', 'engine.ts', 'register.ts', 'browser.ts', 'tensorflow.ts']);
  const dir = fileURLToPath(new URL('../adapters/tfjs/', import.meta.url));

  it('no kernel file compares tf.getBackend() or names a backend in a set', () => {
    const offenders = readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && !ALLOWED.has(f))
      .flatMap((f) =>
        readFileSync(dir + f, 'utf8')
          .split('\n')
          .map((line, i) => ({ at: `${f}:${i + 1}`, line }))
          .filter(({ line }) => /getBackend\(\)\s*[!=]==|['"](cpu|wasm|tensorflow|webgl|webgpu)['"]/.test(line)),
      );
    expect(offenders.map((o) => `${o.at}: ${o.line.trim()}`)).to.deep.equal([]);
  });
});
