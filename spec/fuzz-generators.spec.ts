/**
 * The fuzz generators of every op (src/fuzz/generators/): one entry per op of the op table, in the
 * family file its op is declared in; seeded and reproducible; valid calls that keras-parity accepts,
 * eagerly and symbolically, with the spec ops.outputSpec predicts; invalid calls it rejects with a typed
 * error, alone and with two faults; every parameter of every op varied. Agreement with real Keras is the
 * fuzz run's job (it needs Python).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { callOf, forKeras, type FuzzCall, type OpGenerators } from '../src/fuzz/call.js';
import { activationsFaults, activationsGenerators } from '../src/fuzz/generators/activations.js';
import { attentionFaults, attentionGenerators } from '../src/fuzz/generators/attention.js';
import { complexFaults, complexGenerators } from '../src/fuzz/generators/complex.js';
import { convFaults, convGenerators } from '../src/fuzz/generators/conv.js';
import { ctcFaults, ctcGenerators } from '../src/fuzz/generators/ctc.js';
import { encodingFaults, encodingGenerators } from '../src/fuzz/generators/encoding.js';
import { faultPairs, withFaults, type FaultSet } from '../src/fuzz/generators/faults.js';
import { boundTolerance, gamma, groupIds, U } from '../src/fuzz/generators/forms.js';
import { GENERATORS } from '../src/fuzz/generators/index.js';
import { lossesFaults, lossesGenerators } from '../src/fuzz/generators/losses.js';
import { normalizationFaults, normalizationGenerators } from '../src/fuzz/generators/normalization.js';
import { poolingFaults, poolingGenerators } from '../src/fuzz/generators/pooling.js';
import { callKey } from '../src/fuzz/wire.js';
import type { GoldenValue } from '../src/golden/cases.js';
import { DEFAULT_TOLERANCE } from '../src/golden/compare.js';
import { materialize } from '../src/golden/run.js';
import { GoldenTensor } from '../src/golden/safetensors.js';
import { activations } from '../src/ops/activations.js';
import { attention } from '../src/ops/attention.js';
import { complex } from '../src/ops/complex.js';
import { conv } from '../src/ops/conv.js';
import { ctc } from '../src/ops/ctc.js';
import { encoding } from '../src/ops/encoding.js';
import { losses } from '../src/ops/losses.js';
import { normalization } from '../src/ops/normalization.js';
import { pooling } from '../src/ops/pooling.js';
import { OP_TABLE, type AnyOpDef, type OpName } from '../src/ops/table.js';
import { getBackend, KerasParityError, KerasValueError, ops, setBackend, type Spec, type Tensor } from '../src/index.js';
import { callText } from './helpers.js';

/** Each family's op table file beside its generator file: the registry's split. */
const FAMILIES: [string, Record<string, unknown>, Record<string, OpGenerators>][] = [
  ['activations', activations, activationsGenerators],
  ['pooling', pooling, poolingGenerators],
  ['conv', conv, convGenerators],
  ['encoding', encoding, encodingGenerators],
  ['losses', losses, lossesGenerators],
  ['normalization', normalization, normalizationGenerators],
  ['ctc', ctc, ctcGenerators],
  ['attention', attention, attentionGenerators],
  ['complex', complex, complexGenerators],
];

const FAULTS: Record<string, FaultSet<any>> = {
  ...activationsFaults,
  ...poolingFaults,
  ...convFaults,
  ...encodingFaults,
  ...lossesFaults,
  ...normalizationFaults,
  ...ctcFaults,
  ...attentionFaults,
  ...complexFaults,
};

/** The ops whose faults must include pairs that compose. */
const PAIRED: OpName[] = [
  'leaky_relu', 'elu', 'softmax', 'max_pool', 'average_pool', 'one_hot', 'multi_hot', 'moments',
  'batch_normalization', 'normalize', 'conv', 'depthwise_conv', 'separable_conv', 'conv_transpose',
  'binary_crossentropy', 'categorical_crossentropy', 'sparse_categorical_crossentropy', 'psnr', 'ctc_loss',
  'ctc_decode', 'dot_product_attention', 'polar', 'adaptive_max_pool', 'adaptive_average_pool',
];

/** Optional parameters every valid call passes, and why: leaving them out fails in Keras 3.6.0 on JAX. */
const ALWAYS_PASSED: Partial<Record<OpName, Record<string, string>>> = {
  max_pool: { strides: 'strides=None fails on JAX (docs/deviations.md)' },
  average_pool: { strides: 'strides=None fails on JAX (docs/deviations.md)' },
  multi_hot: { num_classes: 'None (and no num_tokens) raises "Argument `num_classes` must be specified"' },
};

const RUNS = 30;
const SEED = 20241125;

/** `fn` on the call's arguments as keras-parity tensors, disposed afterwards. */
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

/** The eager call on the current backend: its outputs' specs, the outputs disposed. */
function run(call: FuzzCall): Spec[] {
  return withTensors(call, (args, kwargs) => {
    const result = ops.call(call.op, args, kwargs);
    const all = Array.isArray(result) ? result : [result];
    const specs = all.map((t) => ({ shape: t.shape, dtype: t.dtype }));
    all.forEach((t) => t.dispose());
    return specs;
  });
}

/** `{shape, dtype}` for every tensor: a symbolic call, as Keras's KerasTensors make one. */
function symbolic(v: GoldenValue): unknown {
  if (v instanceof GoldenTensor) return { shape: [...v.shape], dtype: v.dtype };
  return Array.isArray(v) ? v.map(symbolic) : v;
}

/** Every parameter's value in `call` by its Keras name (legacy keywords mapped), as Python binds it. */
function bound(call: FuzzCall): Map<string, GoldenValue> {
  const def = OP_TABLE[call.op] as AnyOpDef;
  const values = new Map<string, GoldenValue>(call.args.map((v, i) => [def.params[i].name, v]));
  for (const [k, v] of Object.entries(call.kwargs)) values.set(def.legacyKeywords?.[k] ?? k, v);
  return values;
}

const LEFT_OUT = '<left out>';

/** A parameter's value as a comparable key: tensors by dtype and shape, other values as the wire writes them. */
function valueKey(v: GoldenValue | undefined): string {
  if (v === undefined) return LEFT_OUT;
  if (v instanceof GoldenTensor) return `${v.dtype}${JSON.stringify(v.shape)}`;
  return callKey('', [v], {});
}

const rankOf = (v: GoldenValue | undefined) => (v instanceof GoldenTensor ? v.shape.length : 0);

/**
 * Valid eager calls that Keras's symbolic compute_output_spec rejects, and ops.outputSpec with it:
 * one_hot / multi_hot axes other than -1 and [0, rank); batch_normalization statistics of length 1
 * (JAX broadcasts them); a 'valid' pooling window wider than the input (a size of 0 or below in Keras
 * 3.15, where JAX gives an empty dim); a grouped conv, whose kernel.shape[-2] Keras 3.15's symbolic
 * conv requires to equal the input channels (keras-team/keras#22853); a sparse_categorical_crossentropy
 * target that JAX compares with output.shape[:-1] and Keras 3.15's symbolic spec with the output's shape
 * without `axis` (keras-team/keras#22708).
 */
function symbolicOnly(call: FuzzCall): boolean {
  const v = bound(call);
  if (call.op === 'conv') {
    const [x, kernel] = [v.get('inputs') as GoldenTensor, v.get('kernel') as GoldenTensor];
    const channelsFirst = String(v.get('data_format') ?? '').toLowerCase() === 'channels_first';
    return (channelsFirst ? x.shape[1] : x.shape.at(-1)) !== kernel.shape.at(-2);
  }
  if (call.op === 'sparse_categorical_crossentropy') {
    const [target, output] = [(v.get('target') as GoldenTensor).shape, (v.get('output') as GoldenTensor).shape];
    const axis = (v.get('axis') ?? -1) as number;
    const labels = target.length === output.length && target.at(-1) === 1 ? target.slice(0, -1) : target;
    const classless = output.filter((_, i) => i !== (axis < 0 ? axis + output.length : axis));
    return JSON.stringify(labels) !== JSON.stringify(classless);
  }
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
    // Keras 3.15: floor((n - pool_size) / strides) + 1 <= 0 raises "Computed output size would be zero or
    // negative" (below 0 until 3.14, keras-team/keras#22919).
    return padding === 'valid' && spatial.some((n, i) => Math.floor((n - at('pool_size', i)) / at('strides', i)) + 1 <= 0);
  }
  return false;
}

/**
 * What the eager call returns, from what Keras's symbolic compute_output_spec predicts: the same but for
 * ctc_decode's beam search, which eagerly returns at most 2 * beam_width paths (JAX slices its ranked
 * rows) where the symbolic spec says top_paths.
 */
function eagerFrom(call: FuzzCall, predicted: Spec | Spec[]): Spec[] {
  const specs = Array.isArray(predicted) ? predicted : [predicted];
  const v = bound(call);
  if (call.op !== 'ctc_decode' || v.get('strategy') !== 'beam_search') return specs;
  const paths = Math.min((v.get('top_paths') ?? 1) as number, 2 * ((v.get('beam_width') ?? 100) as number));
  const [decoded, scores] = specs;
  return [
    { ...decoded, shape: [paths, ...decoded.shape.slice(1)] },
    { ...scores, shape: [scores.shape[0], paths] },
  ];
}

describe('fuzz generators', () => {
  let previous: string;
  before(async () => {
    previous = getBackend();
    await setBackend('reference');
  });
  after(async () => {
    await setBackend(previous);
  });

  describe('registry', () => {
    it('has one entry for every op of the op table, and only those', () => {
      expect(Object.keys(GENERATORS).sort()).to.deep.equal(Object.keys(OP_TABLE).sort());
    });

    for (const [family, table, generators] of FAMILIES) {
      it(`${family}: one generator per op of the family's table file, and only those, as the registry has it`, () => {
        expect(Object.keys(generators).sort()).to.deep.equal(Object.keys(table).sort());
        for (const op of Object.keys(generators)) expect(GENERATORS[op as OpName], op).to.equal(generators[op]);
      });
    }
  });

  for (const [name, gen] of Object.entries(GENERATORS)) {
    const op = name as OpName;

    describe(op, () => {
      const valid = fc.sample(gen.valid, { seed: SEED, numRuns: RUNS });
      const invalid = gen.invalid ? fc.sample(gen.invalid, { seed: SEED, numRuns: RUNS }) : [];

      it('is reproducible: the same seed gives the same calls, another seed others', () => {
        const again = fc.sample(gen.valid, { seed: SEED, numRuns: RUNS }).map(callText);
        expect(again).to.deep.equal(valid.map(callText));
        expect(fc.sample(gen.valid, { seed: SEED + 1, numRuns: RUNS }).map(callText)).to.not.deep.equal(again);
        if (gen.invalid) {
          expect(fc.sample(gen.invalid, { seed: SEED, numRuns: RUNS }).map(callText)).to.deep.equal(invalid.map(callText));
        }
      });

      it('valid calls run on the reference, with the spec ops.outputSpec predicts from tensors and from shapes', () => {
        for (const call of valid) {
          expect(call.op).to.equal(op);
          const what = callText(call).slice(0, 300);
          let eager: Spec[] = [];
          expect(() => (eager = run(call)), what).to.not.throw();
          const kwargs = Object.fromEntries(Object.entries(call.kwargs).map(([k, v]) => [k, symbolic(v)]));
          const fromShapes = () => ops.outputSpec(op, call.args.map(symbolic), kwargs);
          if (symbolicOnly(call)) {
            expect(fromShapes, what).to.throw(KerasValueError);
            withTensors(call, (args, kw) => expect(() => ops.outputSpec(op, args, kw), what).to.throw(KerasValueError));
          } else {
            expect(eagerFrom(call, fromShapes()), what).to.deep.equal(eager);
            withTensors(call, (args, kw) => expect(eagerFrom(call, ops.outputSpec(op, args, kw)), what).to.deep.equal(eager));
          }
        }
      });

      it('tolerances are looser than the default only, finite, and say why', () => {
        const { atol, rtol } = DEFAULT_TOLERANCE.float32;
        for (const { tolerance } of valid.filter((c) => c.tolerance)) {
          expect(tolerance!.why).to.be.a('string').and.match(/\S/);
          expect(tolerance!.atol).to.be.at.least(atol).and.to.be.finite;
          expect(tolerance!.rtol).to.be.at.least(rtol).and.to.be.finite;
          expect(tolerance!.atol > atol || tolerance!.rtol > rtol, 'looser than the default somewhere').to.equal(true);
        }
      });

      it('varies every parameter of the op table, and leaves out and passes each optional one', () => {
        for (const p of (OP_TABLE[op] as AnyOpDef).params) {
          const seen = new Set(valid.map((c) => valueKey(bound(c).get(p.name))));
          expect(seen.size, `${op}(${p.name}=...) takes only ${[...seen].join(' | ')}`).to.be.at.least(2);
          if (!p.required && !ALWAYS_PASSED[op]?.[p.name]) {
            expect(seen.has(LEFT_OUT), `${op}(${p.name}) is sometimes left out`).to.equal(true);
          }
        }
      });

      it('invalid calls raise a typed keras-parity error', () => {
        expect(gen.invalid, `${op} has argument sets Keras rejects`).to.not.equal(null);
        for (const call of invalid) {
          let caught: unknown;
          try {
            run(call);
          } catch (e) {
            caught = e;
          }
          expect(caught, callText(call).slice(0, 300)).to.be.instanceOf(KerasParityError);
        }
      });
    });
  }

  describe('calls with two faults', () => {
    it('pairs the faults of the ops that have two that compose', () => {
      const paired = Object.keys(FAULTS).filter((op) => faultPairs(FAULTS[op]).length > 0);
      expect(paired).to.include.members(PAIRED);
    });

    it('ctc_decode pairs an unknown strategy with a batch of lengths that differs from the inputs', () => {
      expect(faultPairs(ctcFaults.ctc_decode)).to.deep.include(['strategy', 'lengths_batch']);
    });

    for (const [op, set] of Object.entries(FAULTS)) {
      const pairs = faultPairs(set);
      if (!pairs.length) continue;
      it(`${op}: each pair of faults makes a call that raises a typed keras-parity error`, () => {
        for (const names of pairs) {
          for (const call of fc.sample(withFaults(set, names), { seed: SEED, numRuns: 3 })) {
            const what = `${names.join(' + ')}: ${callText(call).slice(0, 300)}`;
            expect(() => run(call), what).to.throw(KerasParityError);
          }
        }
      });
    }
  });

  describe('tolerance arithmetic (src/fuzz/generators/forms.ts)', () => {
    it('groups the elements of a sum over axes by their output', () => {
      // shape (2, 3) summed over axis 1: rows are groups; over axis 0: columns are.
      expect(Array.from(groupIds([2, 3], [1]).ids)).to.deep.equal([0, 0, 0, 1, 1, 1]);
      expect(Array.from(groupIds([2, 3], [0]).ids)).to.deep.equal([0, 1, 2, 0, 1, 2]);
      expect(groupIds([2, 3], [0, 1]).groups).to.equal(1);
    });

    it("attaches a doubled bound only where it exceeds Keras's default", () => {
      expect(gamma(1)).to.be.closeTo(U, 1e-14);
      expect(boundTolerance(4e-7, 4e-7, 'small')).to.equal(undefined);
      const t = boundTolerance(1e-5, 0, 'sum');
      expect([t?.atol, t?.rtol]).to.deep.equal([2e-5, 1e-6]);
      expect(t?.why).to.match(/^sum; x2 for two implementations/);
    });
  });

  describe('calls per Keras version (src/fuzz/call.ts)', () => {
    const x = new GoldenTensor('', 'float32', [1, 4, 1], new Float32Array(4));
    const k = new GoldenTensor('', 'float32', [2, 1, 1], new Float32Array(2));

    it("leaves out conv_transpose's strides, which 3.11 defaults to 1, and passes that 1 to Keras 3.6", () => {
      const call = callOf('conv_transpose', { inputs: x, kernel: k, padding: 'same' });
      expect(call.args).to.have.length(2);
      expect(forKeras(call, '3.15.1')).to.equal(call);
      const older = forKeras(call, '3.6.0');
      expect(older.args.slice(2)).to.deep.equal([1]);
      expect(older.kwargs).to.deep.equal({ padding: 'same' });
    });

    it('leaves a call that omits a required argument as it is (an invalid call Keras must reject)', () => {
      const call = { op: 'conv_transpose' as const, args: [x], kwargs: {} };
      expect(forKeras(call, '3.6.0')).to.equal(call);
    });

    it('drops the keywords of parameters a version does not have', () => {
      const q = new GoldenTensor('', 'float32', [1, 2, 1, 2], new Float32Array(4));
      const call = callOf('dot_product_attention', { query: q, key: q, value: q, flash_attention: false });
      expect(forKeras(call, '3.6.0').kwargs).to.deep.equal({});
      expect(forKeras(call, '3.15.1')).to.equal(call);
    });

    it('draws conv_transpose calls with and without strides', () => {
      const draws = fc.sample(GENERATORS.conv_transpose.valid, { numRuns: 200, seed: 5 });
      expect(draws.some((c) => c.args.length === 2)).to.equal(true);
      expect(draws.some((c) => c.args.length === 3)).to.equal(true);
    });
  });
});
