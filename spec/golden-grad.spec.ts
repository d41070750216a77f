/**
 * The gradient sets (golden/grad/keras-<version>/, docs/golden-format.md): each committed one loads against
 * its forward set, and its cases are what tools/gen_golden.py --grad promises: one per valid float case of
 * its ops, a cotangent per output in the output's shape and dtype, a gradient per float32 tensor argument
 * in the argument's shape and dtype, by Keras parameter name. Then the loader's refusals, on small sets.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { GoldenError, GoldenTensor, encodeSafetensors, loadGolden, type GoldenCase, type GoldenValue, type GradSet } from '../src/golden/index.js';
import { directorySource, goldenSetDirs, gradSetDirs, loadGradSetDir } from '../src/golden/node.js';
import { KERAS_VERSIONS, kerasVersion } from '../src/keras-versions.js';
import { paramsAt } from '../src/ops/op.js';
import { OP_TABLE, type OpName } from '../src/ops/table.js';

const GOLDEN = fileURLToPath(new URL('../golden/', import.meta.url));
/** The activation family, in the gradient sets of every version that has the op. */
const ACTIVATIONS = ['relu', 'relu6', 'sigmoid', 'softplus', 'softsign', 'silu', 'log_sigmoid', 'leaky_relu', 'hard_sigmoid', 'hard_silu',
  'elu', 'selu', 'gelu', 'softmax', 'log_softmax', 'celu', 'glu', 'hard_shrink', 'hard_tanh', 'soft_shrink', 'squareplus',
  'tanh_shrink', 'sparse_plus', 'sparsemax', 'threshold', 'sparse_sigmoid'];

const describeShape = (t: { shape: readonly number[]; dtype: string }) => `${t.dtype}[${t.shape.join(',')}]`;
const isFloatTensor = (v: GoldenValue): v is GoldenTensor => v instanceof GoldenTensor && v.dtype === 'float32';

/** The call's arguments by Keras parameter name: positions named from the op table, keywords as given. */
function argumentsByName(c: GoldenCase): Record<string, GoldenValue> {
  const params = paramsAt(OP_TABLE[c.op as OpName], kerasVersion(c.keras));
  return { ...Object.fromEntries(c.args.map((a, i) => [params[i].name, a])), ...c.kwargs };
}

/** What gen_golden.py --grad differentiates: outputs all float32 or complex64 and a float32 tensor argument. */
function differentiable(c: GoldenCase): boolean {
  return 'outputs' in c.expected && c.expected.outputs.every((o) => o.dtype === 'float32' || o.dtype === 'complex64') && Object.values(argumentsByName(c)).some(isFloatTensor);
}

describe('gradient goldens', () => {
  const sets = gradSetDirs(GOLDEN);

  it('has a gradient set for every forward set', () => {
    expect(sets.map((s) => s.keras)).to.deep.equal(goldenSetDirs(GOLDEN).map((s) => s.keras));
    expect(sets.map((s) => s.keras)).to.deep.equal([...KERAS_VERSIONS]);
  });

  for (const set of sets) {
    describe(`Keras ${set.keras}`, () => {
      let grad: GradSet;
      before(() => {
        grad = loadGradSetDir(set);
      });
      const cases = () => grad.ops.flatMap((o) => o.cases);

      it('loads against its forward set, every file intact and every case a forward case of its op', () => {
        expect(grad.broken.map((e) => e.message)).to.deep.equal([]);
        expect(grad.manifest.versions.keras).to.equal(set.keras);
        for (const c of cases()) expect([c.forward.id, c.forward.op, c.forward.keras]).to.deep.equal([c.id, c.op, set.keras]);
      });

      it('covers the activation family', () => {
        const forwardOps = grad.forward.ops.map((o) => o.op);
        const gradOps = grad.ops.map((o) => o.op);
        expect(ACTIVATIONS.filter((op) => forwardOps.includes(op) && !gradOps.includes(op))).to.deep.equal([]);
      });

      it('has a case for every valid float case of its ops, in the forward order, and no other', () => {
        for (const { op, cases: got } of grad.ops) {
          const want = grad.forward.ops.find((o) => o.op === op)!.cases.filter(differentiable).map((c) => c.id);
          expect(got.map((c) => c.id), op).to.deep.equal(want);
        }
      });

      it("gives each cotangent its output's shape and dtype", () => {
        const wrong = cases().flatMap((c) => {
          const outputs = 'outputs' in c.forward.expected ? c.forward.expected.outputs : [];
          if (c.cotangents.length !== outputs.length) return [`${c.id}: ${c.cotangents.length} cotangents for ${outputs.length} outputs`];
          return c.cotangents.flatMap((t, i) =>
            describeShape(t) === describeShape(outputs[i]) ? [] : [`${c.id}: cotangent ${i} ${describeShape(t)}, output ${describeShape(outputs[i])}`],
          );
        });
        expect(wrong).to.deep.equal([]);
      });

      it("gives a gradient for each float32 tensor argument, by Keras parameter name, in its argument's shape and dtype", () => {
        const wrong = cases().flatMap((c) => {
          if (!('gradients' in c.expected)) return [];
          const args = argumentsByName(c.forward);
          const floats = Object.keys(args).filter((name) => isFloatTensor(args[name])).sort();
          const names = Object.keys(c.expected.gradients).sort();
          if (names.join() !== floats.join()) return [`${c.id}: gradients of ${names.join(', ')}, float32 arguments ${floats.join(', ')}`];
          return Object.entries(c.expected.gradients).flatMap(([name, g]) => {
            const arg = args[name] as GoldenTensor;
            return describeShape(g) === describeShape(arg) ? [] : [`${c.id}: the gradient of ${name} is ${describeShape(g)}, the argument ${describeShape(arg)}`];
          });
        });
        expect(wrong).to.deep.equal([]);
      });

      it('gives every looser tolerance a reason', () => {
        for (const c of cases()) if (c.tolerance) expect(c.tolerance.why, c.id).to.match(/\S/);
      });
    });
  }

  describe('loader', () => {
    const forwardDir = join(GOLDEN, 'keras-3.6.0');
    const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
    const forwardSha = sha256(readFileSync(join(forwardDir, 'manifest.json')));
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'grad-golden-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    /** A one-case gradient set of relu over the committed 3.6.0 forward set. */
    function writeSet({ id = 'relu/f32-7', forwardManifest = forwardSha, gradient = { tensor: 'g' } as unknown } = {}) {
      const ct = { key: 'ct', dtype: 'float32' as const, shape: [7], data: new Float32Array(7).fill(1) };
      const files: Record<string, Uint8Array | string> = {
        'relu.json': JSON.stringify({ op: 'relu', cases: [{ id, cotangents: [{ tensor: 'ct' }], expected: { gradients: { x: gradient } }, tolerance: null }] }),
        'relu.safetensors': encodeSafetensors([ct, { ...ct, key: 'g' }]),
      };
      const versions = { keras: '3.6.0' };
      const manifest = { format: 1, seed: 1, versions, files: Object.fromEntries(Object.entries(files).map(([n, b]) => [n, sha256(b)])), forward_manifest: forwardManifest };
      for (const [name, bytes] of Object.entries({ ...files, 'manifest.json': JSON.stringify(manifest) })) writeFileSync(join(dir, name), bytes);
    }
    const load = () => loadGradSetDir({ dir, forwardDir });

    it('resolves a case to its forward case, cotangents and gradients', () => {
      writeSet();
      const set = load();
      expect(set.broken).to.deep.equal([]);
      const [c] = set.ops[0].cases;
      expect([c.id, c.forward.args.length, c.cotangents[0].shape, 'gradients' in c.expected && c.expected.gradients.x.key]).to.deep.equal(['relu/f32-7', 1, [7], 'g']);
    });

    it('refuses a set made from another forward set', () => {
      writeSet({ forwardManifest: '0'.repeat(64) });
      expect(load).to.throw(GoldenError, /made from another forward set/);
    });

    it('marks an op broken when a case names no forward case or a gradient is no tensor', () => {
      writeSet({ id: 'relu/no-such-case' });
      expect(load().broken.map((e) => e.message).join('\n')).to.match(/relu\.json: case relu\/no-such-case: no case relu\/no-such-case of relu in the forward set/);
      writeSet({ gradient: 3 });
      expect(load().broken.map((e) => e.message).join('\n')).to.match(/the gradient of x must be a \{"tensor": key\}/);
    });

    it('is not mistaken for a forward set', () => {
      writeSet();
      expect(() => loadGolden(directorySource(dir))).to.throw(GoldenError, /a gradient set, not a forward one/);
      expect(goldenSetDirs(GOLDEN).map((s) => s.dir)).to.not.include(join(GOLDEN, 'grad'));
    });
  });
});
