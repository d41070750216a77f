/**
 * valueAndGrads of a training step (conv -> batch_normalization -> relu -> max_pool ->
 * sparse_categorical_crossentropy from logits, src/golden/composition.ts) against jax.value_and_grad of the
 * same Keras composition (golden/composition/keras-<version>.json, tools/gen_composition.py), on every
 * backend: the Node ones here, chromium:tfjs-webgl, chromium:tfjs-webgpu and chromium:tfjs-wasm in pages.
 * Each value must stay within the tolerance the file derives for it; on Node's TF.js backends the call
 * must leave tf.memory() as it found it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { listBackends } from '../src/index.js';
import { KERAS_VERSIONS } from '../src/keras-versions.js';
import { runComposition, type CompositionFixture, type CompositionResult } from '../src/golden/composition.js';
import { describeInChromium } from './browser-helpers.js';
import { describeOnBackend, selectBackends } from './helpers.js';

const DIR = fileURLToPath(new URL('../golden/composition/', import.meta.url));
const fixtures: CompositionFixture[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(DIR + f, 'utf8')) as CompositionFixture);
const backends = selectBackends(await listBackends());

function expectWithin(results: CompositionResult[]) {
  const bad = results.filter((r) => !r.ok).map((r) => `${r.name}: off by ${r.maxError}, tolerance ${r.atol}`);
  expect(bad, bad.join('; ')).to.deep.equal([]);
  expect(results.map((r) => r.name)).to.deep.equal(['losses', 'x', 'kernel', 'scale', 'offset']);
}

describe('valueAndGrads of a training step, against jax.value_and_grad', () => {
  it('has the step of every supported Keras version', () => {
    expect(fixtures.map((f) => f.keras).sort()).to.deep.equal([...KERAS_VERSIONS].sort());
  });

  for (const backend of backends) {
    describeOnBackend(backend, () => {
      for (const fixture of fixtures) {
        it(`Keras ${fixture.keras}'s step`, async () => {
          const tensors = () => (backend.name.startsWith('tfjs-') ? tf.memory().numTensors : 0);
          const before = tensors();
          expectWithin(await runComposition(fixture));
          expect(tensors() - before, 'tensors left by the step').to.equal(0);
        });
      }
    });
  }
});

describeInChromium('valueAndGrads of a training step in headless Chromium', {}, (name, started) => {
  for (const fixture of fixtures) {
    it(`Keras ${fixture.keras}'s step [${name}]`, async function () {
      const page = started();
      if (!page?.info.available) this.skip();
      expectWithin(await page!.runComposition(fixture));
    });
  }
});
