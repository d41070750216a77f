/**
 * The fuzz generators of the conv, losses, ctc and attention families: one entry per op of each family's
 * table file, reproducible from a seed, valid calls that keras-parity accepts, invalid ones it rejects
 * with a typed error, and every parameter of every op varied. Whether Keras agrees is the fuzz run's job.
 */
import { expect } from 'chai';
import * as fc from 'fast-check';
import type { Tensor } from '../src/backend/tensor.js';
import { getBackend, KerasParityError, ops, setBackend } from '../src/index.js';
import type { FuzzCall, OpGenerators } from '../src/fuzz/call.js';
import { attentionFaults, attentionGenerators } from '../src/fuzz/generators/attention.js';
import { convFaults, convGenerators } from '../src/fuzz/generators/conv.js';
import { ctcFaults, ctcGenerators } from '../src/fuzz/generators/ctc.js';
import { faultPairs, withFaults, type FaultSet } from '../src/fuzz/generators/faults.js';
import { boundTolerance, gamma, groupIds, U } from '../src/fuzz/generators/forms.js';
import { lossesFaults, lossesGenerators } from '../src/fuzz/generators/losses.js';
import type { GoldenValue } from '../src/golden/cases.js';
import { GoldenTensor } from '../src/golden/safetensors.js';
import { attention } from '../src/ops/attention.js';
import { conv } from '../src/ops/conv.js';
import { ctc } from '../src/ops/ctc.js';
import { losses } from '../src/ops/losses.js';
import { OP_TABLE, type AnyOpDef, type OpName } from '../src/ops/table.js';
import { materialize } from '../src/golden/run.js';
import { callText } from './helpers.js';

const FAMILIES: [string, Record<string, unknown>, Record<string, OpGenerators>][] = [
  ['conv', conv, convGenerators],
  ['losses', losses, lossesGenerators],
  ['ctc', ctc, ctcGenerators],
  ['attention', attention, attentionGenerators],
];

const SEED = 20240611;
const RUNS = 30;

/** `{shape, dtype}` for every tensor: what ops.outputSpec reads. */
function specs(v: GoldenValue): unknown {
  if (v instanceof GoldenTensor) return { shape: [...v.shape], dtype: v.dtype };
  return Array.isArray(v) ? v.map(specs) : v;
}

function run(call: FuzzCall): void {
  const made: Tensor[] = [];
  try {
    const kwargs = Object.fromEntries(Object.entries(call.kwargs).map(([k, v]) => [k, materialize(v, made)]));
    const out = ops.call(call.op, call.args.map((a) => materialize(a, made)), kwargs);
    (Array.isArray(out) ? out : [out]).forEach((t) => made.push(t));
  } finally {
    made.forEach((t) => t.dispose());
  }
}

/** What a parameter received in one call: a tensor's dtype and shape, a value, or left out. */
function received(call: FuzzCall, op: OpName, name: string): string {
  const params = (OP_TABLE[op] as AnyOpDef).params;
  const positional = params.filter((p) => p.required).findIndex((p) => p.name === name);
  const v = positional >= 0 ? call.args[positional] : call.kwargs[name];
  if (v === undefined) return '<left out>';
  return callText({ op, args: [v instanceof GoldenTensor ? new GoldenTensor('', v.dtype, v.shape, new Float32Array()) : v], kwargs: {} });
}

describe('fuzz generators: conv, losses, ctc, attention', () => {
  let previous: string;
  before(async () => {
    previous = getBackend();
    await setBackend('reference');
  });
  after(async () => {
    await setBackend(previous);
  });

  for (const [family, table, generators] of FAMILIES) {
    it(`${family}: one generator per op of the family's table file, and only those`, () => {
      expect(Object.keys(generators).sort()).to.deep.equal(Object.keys(table).sort());
    });

    for (const [name, gen] of Object.entries(generators)) {
      const op = name as OpName;

      describe(op, () => {
        let valid: FuzzCall[];
        let invalid: FuzzCall[];
        before(() => {
          valid = fc.sample(gen.valid, { seed: SEED, numRuns: RUNS });
          invalid = gen.invalid ? fc.sample(gen.invalid, { seed: SEED, numRuns: RUNS }) : [];
        });

        it('draws the same calls from the same seed, and others from another', () => {
          const again = fc.sample(gen.valid, { seed: SEED, numRuns: RUNS }).map(callText);
          expect(again).to.deep.equal(valid.map(callText));
          const other = fc.sample(gen.valid, { seed: SEED + 1, numRuns: RUNS }).map(callText);
          expect(other).to.not.deep.equal(again);
          if (gen.invalid) {
            expect(fc.sample(gen.invalid, { seed: SEED, numRuns: RUNS }).map(callText)).to.deep.equal(invalid.map(callText));
          }
        });

        it('makes valid calls that ops.outputSpec and the reference accept', () => {
          for (const call of valid) {
            expect(call.op).to.equal(op);
            const kwargs = Object.fromEntries(Object.entries(call.kwargs).map(([k, v]) => [k, specs(v)]));
            expect(() => ops.outputSpec(op, call.args.map(specs), kwargs), callText(call).slice(0, 300)).to.not.throw();
            expect(() => run(call), callText(call).slice(0, 300)).to.not.throw();
          }
        });

        it('gives every tolerance a reason and finite bounds no tighter than the default', () => {
          for (const { tolerance } of valid.filter((c) => c.tolerance)) {
            expect(tolerance!.why).to.be.a('string').and.not.equal('');
            expect(Number.isFinite(tolerance!.atol) && Number.isFinite(tolerance!.rtol)).to.equal(true);
            expect(Math.max(tolerance!.atol, tolerance!.rtol)).to.be.greaterThan(1e-6);
          }
        });

        it('makes invalid calls that keras-parity rejects with a typed error', () => {
          expect(gen.invalid, `${op} has argument sets Keras rejects`).to.not.equal(null);
          for (const call of invalid) {
            let thrown: unknown;
            try {
              run(call);
            } catch (e) {
              thrown = e;
            }
            expect(thrown, callText(call).slice(0, 300)).to.be.instanceOf(KerasParityError);
          }
        });

        it('varies every parameter of the op table, and leaves out and passes each optional one', () => {
          for (const p of (OP_TABLE[op] as AnyOpDef).params) {
            const seen = new Set(valid.map((c) => received(c, op, p.name)));
            expect(seen.size, `${op}(${p.name}) takes ${[...seen].join(' | ')}`).to.be.greaterThan(1);
            if (!p.required) expect(seen.has('<left out>'), `${op}(${p.name}) is sometimes left out`).to.equal(true);
          }
        });
      });
    }
  }

  describe('tolerance arithmetic', () => {
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
});

describe('fuzz generators: calls with two faults (conv, losses, ctc, attention)', () => {
  before(() => setBackend('reference'));
  const sets: Record<string, FaultSet<FuzzCall>> = { ...convFaults, ...lossesFaults, ...ctcFaults, ...attentionFaults };

  it('ctc_decode pairs an unknown strategy with a batch of lengths that differs from the inputs', () => {
    expect(faultPairs(ctcFaults.ctc_decode)).to.deep.include(['strategy', 'lengths_batch']);
  });

  for (const [op, set] of Object.entries(sets)) {
    it(`${op}: each pair of faults makes a call that raises a typed keras-parity error`, () => {
      const pairs = faultPairs(set);
      expect(pairs.length, `${op} has pairs of faults`).to.be.greaterThan(0);
      for (const names of pairs) {
        for (const call of fc.sample(withFaults(set, names), { seed: SEED, numRuns: 3 })) {
          expect(() => run(call), `${names.join(' + ')}: ${callText(call).slice(0, 300)}`).to.throw(KerasParityError);
        }
      }
    });
  }
});
