/**
 * The bench's gradient part (bench/grad.ts): every op it lists has its forward case at the judged size and
 * a backward rule on the reference; a backend without the rules gives "no rule" rows; TF.js's memory does
 * not grow across repetitions;
 * the table renders times, ratios and verdicts; the Keras oracle times jax.vjp with the given cotangents.
 */
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs-core';
import { referenceAdapter } from '../adapters/reference/index.js';
import { registerBackend, setBackend, type Adapter } from '../src/index.js';
import { KERAS_JAX_TARGET, type BenchCase, type BenchResult } from '../src/benchfile/model.js';
import { KerasOracle, OracleCallError } from '../src/fuzz/oracle.js';
import { floats } from '../src/fuzz/call.js';
import { GRAD_CASES, GRAD_OPS, NO_RULE, gradMade, gradTable, timeGradients } from '../bench/grad.js';
import { kerasMissing, withKeras } from './keras.js';

const NO_RULES = 'reference-without-rules';
const missing = await kerasMissing('3.6.0');

describe('bench: the gradient part', function () {
  this.timeout(60_000);
  before(() => registerBackend(NO_RULES, async () => ({ ...referenceAdapter, name: NO_RULES, vjps: {} }) as Adapter<unknown>));
  afterEach(() => setBackend('reference'));

  it("times each listed op at its forward case's judged size", () => {
    expect(GRAD_CASES.map((g) => g.case.op)).to.deep.equal([...GRAD_OPS]);
    for (const { case: c, size } of GRAD_CASES) expect(size).to.equal(c.sizes[KERAS_JAX_TARGET.sizeIndex]);
  });

  for (const { case: c } of GRAD_CASES) {
    it(`${c.op}: ops.vjp and its pullback run on the reference, a gradient of each float input's shape`, async () => {
      await setBackend('reference');
      // The smallest size: the judged one is the bench's to time.
      const made = gradMade(c, c.sizes[0]);
      const outputs = [made.cotangent].flat().length;
      const floatInputs = made.inputs.slice(0, made.inputs.length - outputs).filter((t) => t.dtype === 'float32');
      const got = made.run();
      expect(got).to.have.length(outputs + floatInputs.length);
      expect(got.slice(outputs).map((g) => g.shape)).to.deep.equal(floatInputs.map((t) => t.shape));
      for (const t of [...got, ...made.inputs]) t.dispose();
    });
  }

  it('gives "no rule" on a backend without backward rules', async () => {
    const { results } = await timeGradients([NO_RULES], 50, 3, 1000);
    expect(results.map((r) => [r.op, r.medianMs, r.skipped])).to.deep.equal(GRAD_OPS.map((op) => [op, null, NO_RULE]));
  });

  it('leaves no TF.js tensor behind across repetitions (tfjs-cpu, the smallest sizes)', async () => {
    await setBackend('tfjs-cpu');
    const before = { ...tf.memory() };
    const small = GRAD_CASES.map((g) => ({ case: g.case, size: g.case.sizes[0] }));
    const { results, leaks } = await timeGradients(['tfjs-cpu'], 30, 3, 5000, small);
    expect(results.filter((r) => r.skipped && r.skipped !== NO_RULE)).to.deep.equal([]);
    // Some op timed: a loop of no-rule rows would check nothing.
    expect(results.filter((r) => r.medianMs !== null).length).to.be.greaterThan(0);
    expect(leaks).to.deep.equal([]);
    expect([tf.memory().numTensors, tf.memory().numBytes]).to.deep.equal([before.numTensors, before.numBytes]);
  });

  it('renders each backend\'s time or "no rule", Keras on JAX\'s, and the fastest over it against the target', () => {
    const cases: BenchCase[] = [
      { op: 'softmax', size: '100x1000', elements: 1e5, kerasJaxMs: 2, kerasVersion: '3.6.0' },
      { op: 'conv', size: 'k3', elements: 1e5, kerasJaxMs: 2, kerasVersion: '3.6.0' },
      { op: 'ctc_loss', size: 'B8', elements: 1e4 },
    ];
    const results: BenchResult[] = [
      { op: 'softmax', size: '100x1000', backend: 'reference', medianMs: 10 },
      { op: 'softmax', size: '100x1000', backend: 'tfjs-cpu', medianMs: 2.5 },
      { op: 'conv', size: 'k3', backend: 'reference', medianMs: 4 },
      { op: 'conv', size: 'k3', backend: 'tfjs-cpu', medianMs: null, skipped: NO_RULE },
      { op: 'ctc_loss', size: 'B8', backend: 'reference', medianMs: null, skipped: 'error: RangeError: boom' },
      { op: 'ctc_loss', size: 'B8', backend: 'tfjs-cpu', medianMs: 1 },
    ];
    const lines = gradTable(cases, results, ['reference', 'tfjs-cpu'], ['tfjs-cpu conv: 2 tensors, 64 bytes']);
    const row = (op: string) => lines.find((l) => l.startsWith(`${op} `))!.split(/\s{2,}/);
    // 2.5 / 2 and 4 / 2 against the 1.5x target; ctc_loss has no Keras time, so no ratio.
    expect(row('softmax')).to.deep.equal(['softmax', '100x1000', '10.00', '2.50', '2.00', '1.25x tfjs-cpu', 'ok']);
    expect(row('conv')).to.deep.equal(['conv', 'k3', '4.00', NO_RULE, '2.00', '2.00x reference', 'MISSED']);
    expect(row('ctc_loss')).to.deep.equal(['ctc_loss', 'B8', '-', '1.00', '-', '-']);
    expect(lines).to.include('note: reference ctc_loss B8: error: RangeError: boom');
    expect(lines.at(-1)).to.equal("TF.js memory after each op's repetitions: LEAK tfjs-cpu conv: 2 tensors, 64 bytes");
  });
});

describe('bench: Keras on JAX times jax.vjp and its pullback', function () {
  this.timeout(120_000);
  withKeras(missing, () => {
    let oracle: KerasOracle;
    before(async () => (oracle = await KerasOracle.start({ keras: '3.6.0', cpuPins: false })));
    after(() => oracle?.close());

    it('times the jitted vjp with the given cotangent, and refuses one of another shape', async () => {
      const x = floats([8, 16], 1);
      const { seconds } = await oracle.time('softmax', [x], {}, { warmup: 1, repeat: 3, cotangents: [floats([8, 16], 2)] });
      expect(seconds).to.have.length(3);
      for (const s of seconds) expect(s).to.be.greaterThan(0).and.lessThan(5);
      // The pullback takes the cotangent: one of another shape is JAX's error, not a time.
      const caught = await oracle.time('softmax', [x], {}, { cotangents: [floats([8, 15], 2)] }).catch((e: unknown) => e);
      expect(caught).to.be.instanceOf(OracleCallError);
    });
  });
});
