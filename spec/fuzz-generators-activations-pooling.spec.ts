/**
 * The fuzz generators of the activation, pooling, encoding and normalisation families: seeded and
 * reproducible, valid calls that keras-parity accepts (and whose eager result has the spec
 * ops.outputSpec predicts), invalid calls it rejects with a typed error, every parameter of every op
 * varied. Agreement with real Keras is checked outside the test suite (it needs Python).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { FuzzCall, OpGenerators } from '../src/fuzz/call.js';
import { activationsFaults, activationsGenerators } from '../src/fuzz/generators/activations.js';
import { encodingFaults, encodingGenerators } from '../src/fuzz/generators/encoding.js';
import { faultPairs, withFaults, type FaultSet } from '../src/fuzz/generators/faults.js';
import { normalizationFaults, normalizationGenerators } from '../src/fuzz/generators/normalization.js';
import { poolingFaults, poolingGenerators } from '../src/fuzz/generators/pooling.js';
import type { GoldenValue } from '../src/golden/cases.js';
import { DEFAULT_TOLERANCE } from '../src/golden/compare.js';
import { GoldenTensor } from '../src/golden/safetensors.js';
import { activations } from '../src/ops/activations.js';
import { encoding } from '../src/ops/encoding.js';
import { normalization } from '../src/ops/normalization.js';
import { pooling } from '../src/ops/pooling.js';
import { OP_TABLE, type AnyOpDef, type OpName } from '../src/ops/table.js';
import { materialize } from '../src/golden/run.js';
import { KerasParityError, KerasValueError, ops, setBackend, type Spec, type Tensor } from '../src/index.js';
import { callText } from './helpers.js';

const FAMILIES: [string, Record<string, unknown>, Record<string, OpGenerators>][] = [
  ['activations', activations, activationsGenerators],
  ['pooling', pooling, poolingGenerators],
  ['encoding', encoding, encodingGenerators],
  ['normalization', normalization, normalizationGenerators],
];

const RUNS = 30;
const SEED = 20241125;

function withTensors<T>(call: FuzzCall, fn: (args: unknown[], kwargs: Record<string, unknown>) => T): T {
  const made: Tensor[] = [];
  try {
    const args = call.args.map((a) => materialize(a, made));
    const kwargs = Object.fromEntries(Object.entries(call.kwargs).map(([k, v]) => [k, materialize(v, made)]));
    return fn(args, kwargs);
  } finally {
    made.forEach((t) => t.dispose());
  }
}

/** Every parameter's value in `call` by its Keras name (legacy keywords mapped), as Python binds it. */
function bound(call: FuzzCall): Map<string, GoldenValue> {
  const def = OP_TABLE[call.op] as AnyOpDef;
  const values = new Map<string, GoldenValue>(call.args.map((v, i) => [def.params[i].name, v]));
  for (const [k, v] of Object.entries(call.kwargs)) values.set(def.legacyKeywords?.[k] ?? k, v);
  return values;
}

const rankOf = (v: GoldenValue | undefined) => (v instanceof GoldenTensor ? v.shape.length : 0);

/**
 * Valid eager calls that Keras's symbolic compute_output_spec rejects, and ops.outputSpec with it:
 * one_hot / multi_hot axes other than -1 and [0, rank); batch_normalization statistics of length 1
 * (JAX broadcasts them); a 'valid' pooling window so much wider than the input that Keras computes a
 * negative size (JAX gives an empty dim).
 */
function symbolicOnly(call: FuzzCall): boolean {
  const v = bound(call);
  if (call.op === 'one_hot' || call.op === 'multi_hot') {
    const axis = (v.get('axis') ?? -1) as number;
    const rank = rankOf(v.get(call.op === 'one_hot' ? 'x' : 'inputs'));
    return axis !== -1 && !(axis >= 0 && axis < rank);
  }
  if (call.op === 'batch_normalization') {
    const x = v.get('x') as GoldenTensor;
    const axis = v.get('axis') as number;
    return (v.get('mean') as GoldenTensor).shape[0] !== x.shape[axis < 0 ? axis + x.shape.length : axis];
  }
  if (call.op === 'max_pool' || call.op === 'average_pool') {
    const x = v.get('inputs') as GoldenTensor;
    const padding = String(v.get('padding') ?? 'valid').toLowerCase();
    const channelsFirst = String(v.get('data_format') ?? '').toLowerCase() === 'channels_first';
    const spatial = channelsFirst ? x.shape.slice(2) : x.shape.slice(1, -1);
    const at = (name: string, i: number) => {
      const t = v.get(name) as number | number[];
      return Array.isArray(t) ? t[i] : t;
    };
    // Keras: floor((n - pool_size) / strides) + 1 < 0 raises "Computed output size would be negative".
    return padding === 'valid' && spatial.some((n, i) => Math.floor((n - at('pool_size', i)) / at('strides', i)) + 1 < 0);
  }
  return false;
}

/** A parameter's value as a comparable key: tensors by dtype and shape, left out as 'default'. */
function valueKey(v: GoldenValue | undefined): string {
  if (v === undefined) return 'default';
  if (v instanceof GoldenTensor) return `${v.dtype}${JSON.stringify(v.shape)}`;
  return JSON.stringify(v);
}

function specsOf(result: Tensor | Tensor[]): Spec[] {
  return (Array.isArray(result) ? result : [result]).map((t) => ({ shape: t.shape, dtype: t.dtype }));
}

function dispose(result: Tensor | Tensor[]): void {
  (Array.isArray(result) ? result : [result]).forEach((t) => t.dispose());
}

describe('fuzz generators: activations, pooling, encoding, normalization', () => {
  before(() => setBackend('reference'));

  for (const [family, table, generators] of FAMILIES) {
    describe(family, () => {
      it("has one entry for every op of the family's table file, and only those", () => {
        expect(Object.keys(generators).sort()).to.deep.equal(Object.keys(table).sort());
      });

      for (const op of Object.keys(table) as OpName[]) {
        describe(op, () => {
          const { valid, invalid } = generators[op];
          const validCalls = fc.sample(valid, { seed: SEED, numRuns: RUNS });
          const invalidCalls = invalid ? fc.sample(invalid, { seed: SEED, numRuns: RUNS }) : [];

          it('is reproducible: the same seed gives the same calls, another seed others', () => {
            const again = fc.sample(valid, { seed: SEED, numRuns: RUNS }).map(callText);
            expect(again).to.deep.equal(validCalls.map(callText));
            expect(fc.sample(valid, { seed: SEED + 1, numRuns: RUNS }).map(callText)).to.not.deep.equal(again);
            if (invalid) {
              expect(fc.sample(invalid, { seed: SEED, numRuns: RUNS }).map(callText)).to.deep.equal(invalidCalls.map(callText));
            }
          });

          it('valid calls run on the reference, with the spec ops.outputSpec predicts', () => {
            for (const call of validCalls) {
              expect(call.op).to.equal(op);
              const what = callText(call).slice(0, 300);
              const eager = withTensors(call, (args, kwargs) => {
                const result = ops.call(op, args, kwargs);
                const specs = specsOf(result);
                dispose(result);
                return specs;
              });
              withTensors(call, (args, kwargs) => {
                if (symbolicOnly(call)) {
                  expect(() => ops.outputSpec(op, args, kwargs), what).to.throw(KerasValueError);
                } else {
                  const predicted = ops.outputSpec(op, args, kwargs);
                  expect(Array.isArray(predicted) ? predicted : [predicted], what).to.deep.equal(eager);
                }
              });
            }
          });

          it('tolerances are looser than the default only, and say why', () => {
            for (const { tolerance } of validCalls.filter((c) => c.tolerance)) {
              expect(tolerance!.why).to.match(/\S/);
              expect(tolerance!.atol).to.be.at.least(DEFAULT_TOLERANCE.float32.atol).and.to.be.finite;
              expect(tolerance!.rtol).to.be.at.least(DEFAULT_TOLERANCE.float32.rtol).and.to.be.finite;
            }
          });

          it('varies every parameter of the op table', () => {
            for (const p of (OP_TABLE[op] as AnyOpDef).params) {
              const seen = new Set(validCalls.map((c) => valueKey(bound(c).get(p.name))));
              expect(seen.size, `${op}(${p.name}=...) takes only ${[...seen].join(', ')}`).to.be.at.least(2);
            }
          });

          if (invalid) {
            it('invalid calls raise a typed keras-parity error', () => {
              for (const call of invalidCalls) {
                let caught: unknown;
                try {
                  withTensors(call, (args, kwargs) => dispose(ops.call(op, args, kwargs)));
                } catch (e) {
                  caught = e;
                }
                expect(caught, callText(call).slice(0, 300)).to.be.instanceOf(KerasParityError);
              }
            });
          }
        });
      }
    });
  }
});

describe('fuzz generators: calls with two faults (activations, pooling, encoding, normalization)', () => {
  before(() => setBackend('reference'));
  const sets: Record<string, FaultSet<Record<string, GoldenValue | undefined>>> = { ...activationsFaults, ...poolingFaults, ...encodingFaults, ...normalizationFaults };

  it('pairs the faults of the ops that have two that compose', () => {
    const paired = Object.keys(sets).filter((op) => faultPairs(sets[op]).length > 0);
    expect(paired).to.include.members(['leaky_relu', 'elu', 'softmax', 'max_pool', 'average_pool', 'one_hot', 'multi_hot', 'moments', 'batch_normalization', 'normalize']);
  });

  for (const [op, set] of Object.entries(sets)) {
    const pairs = faultPairs(set);
    if (!pairs.length) continue;
    it(`${op}: each pair of faults makes a call that raises a typed keras-parity error`, () => {
      for (const names of pairs) {
        for (const call of fc.sample(withFaults(set, names), { seed: SEED, numRuns: 3 })) {
          const what = `${names.join(' + ')}: ${callText(call).slice(0, 300)}`;
          expect(() => withTensors(call, (args, kwargs) => ops.call(op, args, kwargs)), what).to.throw(KerasParityError);
        }
      }
    });
  }
});
