/**
 * `keras-parity fuzz --grad` (src/fuzz/grad.ts, src/cli/fuzz-grad.ts): the oracle's jax.vjp (seeded
 * cotangents, tools/golden/grad.py's code), a short seeded run without mismatch on the reference and
 * tfjs-cpu, a wrong backward rule planted in a throwaway backend (relu's gradient off by 1e-3 above 2,
 * spec/fixtures/fuzz-backends.ts) found and shrunk to one element, printed as two programs that reproduce
 * it, `--save DIR` writing a gradient golden case that the gradient loader reads and the gradient runner
 * replays, and the calls and ops with no gradient to check left out.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'chai';
import * as fc from 'fast-check';
import { fuzzCommand } from '../src/cli/fuzz.js';
import { callOf, floats, ints, type OpGenerators } from '../src/fuzz/call.js';
import { cotangentSeed, fuzzGradOp, type GradFuzzResult } from '../src/fuzz/grad.js';
import { gradSaveDirs } from '../src/fuzz/grad-save.js';
import { KerasOracle } from '../src/fuzz/oracle.js';
import { CachedOracle } from '../src/fuzz/run.js';
import { jsGradSnippet, pythonGradSnippet } from '../src/fuzz/snippet.js';
import { decodeGradCase, encodeGradCase, type GradAnswer } from '../src/fuzz/wire.js';
import type { GradCase } from '../src/golden/grad.js';
import { runGradCase } from '../src/golden/grad-run.js';
import { loadGradSetDir } from '../src/golden/node.js';
import { GoldenTensor } from '../src/golden/safetensors.js';
import { GRADIENT_TOLERANCES } from '../src/golden/tolerances.js';
import { NEWEST_KERAS, type KerasVersion } from '../src/keras-versions.js';
import { venvPython } from '../src/paths.js';
import { getBackend, registerBackend, setBackend } from '../src/index.js';
import registerPlanted, { PLANTED_GRAD } from './fixtures/fuzz-backends.js';
import { kerasMissing, withKeras } from './keras.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const INDEX = pathToFileURL(join(ROOT, 'src', 'index.ts')).href;
const FIXTURE = pathToFileURL(fileURLToPath(new URL('./fixtures/fuzz-backends.ts', import.meta.url))).href;

const missing = await kerasMissing();
const olderMissing = await kerasMissing('3.6.0');

/** relu of float32 tensors of rank 0 to 3 (the specs' own generator, as in fuzz.spec.ts), values up to 3 in size. */
const reluX = fc.tuple(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }), fc.nat()).map(([shape, seed]) => floats(shape, seed, { scale: 2 }));
const RELU: OpGenerators = { valid: reluX.map((x) => callOf('relu', { x })), invalid: null };
/** relu of int32 tensors only: no gradient to check. */
const INT_RELU: OpGenerators = { valid: fc.nat().map((seed) => callOf('relu', { x: ints([3], -4, 5, seed) })), invalid: null };

const capture = () => {
  let text = '';
  return { write: (s: string) => ((text += s), true), get text() { return text; } };
};

function run(command: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(command, args, { cwd, timeout: 60_000 }, (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

/** The numbers a program printed after each gradient's name line (numpy's or Node's notation). */
function printedNumbers(text: string): number[] {
  return text
    .split(/[\s,[\]]+/)
    .filter((w) => w !== '' && !Number.isNaN(Number(w)))
    .map(Number);
}

const bits = (v: number) => new Uint32Array(new Float32Array([v]).buffer)[0];

describe('fuzz --grad: cotangent seeds, the wire and the programs', () => {
  it('draws the cotangents of a call from the run seed, the op and the call index (non-negative words for numpy)', () => {
    expect(cotangentSeed(4711, 'relu', 3)).to.deep.equal(cotangentSeed(4711, 'relu', 3));
    expect(cotangentSeed(4711, 'relu', 3)).to.not.deep.equal(cotangentSeed(4711, 'relu', 4));
    expect(cotangentSeed(4711, 'relu', 3)).to.not.deep.equal(cotangentSeed(4711, 'softmax', 3));
    expect(cotangentSeed(-5, 'relu', 0).every((w) => Number.isInteger(w) && w >= 0)).to.equal(true);
  });

  it('sends a gradient case to a page and back bit for bit', () => {
    const x = new GoldenTensor('', 'float32', [3], new Float32Array([NaN, -0, 1e-45]));
    const c: GradCase = {
      id: 'relu/fuzz',
      op: 'relu',
      forward: { id: 'relu/fuzz', op: 'relu', args: [x], kwargs: {}, expected: { outputs: [x] }, tolerance: null, backends: {}, keras: '3.6.0' },
      cotangents: [floats([3], 1)],
      expected: { gradients: { x: floats([3], 2) } },
      tolerance: { atol: 1e-5, rtol: 0, why: 'a sum' },
    };
    const back = decodeGradCase(JSON.parse(JSON.stringify(encodeGradCase(c))));
    expect(back.forward.keras).to.equal('3.6.0');
    expect(back.tolerance).to.deep.equal(c.tolerance);
    const same = (a: GoldenTensor, b: GoldenTensor) => expect(Array.from(new Uint32Array(a.data.buffer.slice(0)))).to.deep.equal(Array.from(new Uint32Array(b.data.buffer.slice(0))));
    same(back.forward.args[0] as GoldenTensor, x);
    same(back.cotangents[0], c.cotangents[0]);
    same((back.expected as { gradients: Record<string, GoldenTensor> }).gradients.x, (c.expected as { gradients: Record<string, GoldenTensor> }).gradients.x);
  });

  it('writes jax.vjp with respect to the float32 tensors, and ops.vjp with its pullback, with the cotangents spelt out', () => {
    const call = callOf('moments', { x: floats([2, 2], 1), axes: [1] });
    const cts = [floats([2], 2), floats([2], 3)];
    const py = pythonGradSnippet(call, cts);
    expect(py).to.include('def f(x):\n    return keras.ops.moments(x, (1,))').and.include('out, pullback = jax.vjp(f, jnp.asarray(x))');
    expect(py).to.include('[cotangent_0, cotangent_1]').and.include('for name, g in zip(("x",), grads):');
    const js = jsGradSnippet(call, cts, 'tfjs-cpu', { keras: '3.6.0' });
    expect(js).to.include("const [, pullback] = ops.vjp('moments', [x, [1]], {});").and.include('const grads = pullback([cotangent_0, cotangent_1]);');
    expect(js).to.include("const ops = opsFor('3.6.0');");
  });
});

describe('fuzz --grad (live Keras)', function () {
  this.timeout(180_000);
  withKeras(missing, () => {
    let oracle: KerasOracle;
    let cached: CachedOracle;
    let tmp: string;
    before(async () => {
      registerPlanted({ registerBackend });
      oracle = await KerasOracle.start();
      cached = new CachedOracle(oracle);
      tmp = mkdtempSync(join(tmpdir(), 'keras-parity-fuzz-grad-'));
    });
    after(async () => {
      await oracle?.close();
      rmSync(tmp, { recursive: true, force: true });
    });

    describe('the oracle', () => {
      it("takes jax.vjp of relu: the cotangent where x > 0, else 0 (relu's derivative), with the default tolerance", async () => {
        const x = new GoldenTensor('', 'float32', [4], new Float32Array([-1, 2, 0, 3]));
        const answer = (await oracle.grad('relu', [x], {}, [7, 1])) as Extract<GradAnswer, { outputs: unknown }>;
        const [ct] = answer.cotangents;
        expect(ct.shape).to.deep.equal([4]);
        const g = (answer.expected as { gradients: Record<string, GoldenTensor> }).gradients.x;
        expect(Array.from(g.data)).to.deep.equal([0, ct.data[1], 0, ct.data[3]]);
        expect(answer).to.include({ tolerance: null, rule: true });
      });

      it('draws the same cotangents for the same seed words, others for others', async () => {
        const x = floats([5], 1);
        const cotangent = async (seed: number[]) => Array.from(((await oracle.grad('relu', [x], {}, seed)) as { cotangents: GoldenTensor[] }).cotangents[0].data);
        expect(await cotangent([3, 0])).to.deep.equal(await cotangent([3, 0]));
        expect(await cotangent([3, 0])).to.not.deep.equal(await cotangent([3, 1]));
      });

      it('says why a call has no gradient to check: Keras rejected it, or it passes no float32 tensor', async () => {
        expect(await oracle.grad('relu', [floats([2, 3], 1)], { alpha: 1 }, [1, 0])).to.deep.equal({ skip: 'Keras raised TypeError' });
        expect(await oracle.grad('relu', [ints([3], -2, 3, 1)], {}, [1, 0])).to.deep.equal({ skip: 'no float32 tensor argument' });
      });
    });

    describe('a planted wrong gradient', () => {
      let result: GradFuzzResult;
      before(async () => {
        result = await fuzzGradOp('relu', PLANTED_GRAD, RELU, cached, { seed: 2, numRuns: 100 });
      });

      it('is found and shrunk to one element above 2', () => {
        const m = result.mismatch!;
        expect(m, 'a mismatch').to.not.equal(undefined);
        const x = m.call.args[0] as GoldenTensor;
        expect(x.size).to.equal(1);
        expect(x.data[0]).to.be.greaterThan(2);
        expect(m.report).to.match(/^relu\/fuzz \[fuzz-planted-grad\]: the gradient of x differs from jax.vjp's/);
        expect(m.report).to.match(/max abs 0\.001/);
      });

      it("passes on the reference with the same seed (the mismatch is the planted rule's)", async () => {
        const clean = await fuzzGradOp('relu', 'reference', RELU, cached, { seed: 2, numRuns: 100 });
        expect(clean.mismatch).to.equal(undefined);
        expect(clean).to.include({ runs: 100, checked: 100, passed: 100, noRule: false });
      });

      it("prints as two programs that reproduce it: jax.vjp gives the cotangent, the planted rule 0.001 more", async () => {
        const m = result.mismatch!;
        const ct = m.case.cotangents[0].data[0];
        const py = join(tmp, 'planted-grad.py');
        writeFileSync(py, pythonGradSnippet(m.call, m.case.cotangents));
        const p = await run(venvPython(NEWEST_KERAS), [py], tmp);
        expect(p.code, p.stderr).to.equal(0);
        expect(p.stdout.split('\n')[0]).to.equal('x');
        expect(printedNumbers(p.stdout).map(bits)).to.deep.equal([bits(ct)]);
        const js = join(tmp, 'planted-grad.mjs');
        const register = `import register from '${FIXTURE}';\nimport { registerBackend } from '${INDEX}';\nregister({ registerBackend });\n`;
        writeFileSync(js, register + jsGradSnippet(m.call, m.case.cotangents, PLANTED_GRAD, { importFrom: INDEX }));
        const j = await run(process.execPath, ['--import', 'tsx', js], ROOT);
        expect(j.code, j.stderr).to.equal(0);
        const got = printedNumbers(j.stdout.replace(/^x float32 \[[^\]]*\]/m, ''));
        expect(got).to.have.length(1);
        expect(got[0] - ct).to.be.closeTo(1e-3, 1e-6);
      });
    });

    it('leaves out the calls with no float32 tensor, and an op the backend has no backward rule for is unsupported', async () => {
      const ints = await fuzzGradOp('relu', 'reference', INT_RELU, cached, { seed: 1, numRuns: 5 });
      expect(ints).to.include({ runs: 5, checked: 0 });
      expect(ints.skipped).to.deep.equal({ 'no float32 tensor argument': 5 });
      const none = await fuzzGradOp('softmax', PLANTED_GRAD, RELU, cached, { seed: 1, numRuns: 5 });
      expect(none).to.include({ noRule: true, runs: 0, checked: 0 });
    });

    describe('keras-parity fuzz --grad', () => {
      it('finds no mismatch on a short seeded run of a few ops on the reference and tfjs-cpu, for each Keras version', async function () {
        const versions: KerasVersion[] = olderMissing ? [NEWEST_KERAS] : ['3.6.0', NEWEST_KERAS];
        const out = capture();
        const err = capture();
        const ops = ['relu', 'softmax', 'log_softmax', 'moments', 'one_hot'];
        const code = await fuzzCommand({ grad: true, keras: versions, ops, backends: ['reference', 'tfjs-cpu'], cases: '8', seed: '4711', progress: 'lines' }, out, err);
        expect(code, out.text + err.text).to.equal(0);
        expect(err.text).to.include('one_hot: no gradient (');
        const summaries = out.text.match(/^Gradients: 8 op x backend runs, 64 calls, (\d+) gradients checked, seed 4711: no mismatch$/gm);
        expect(summaries, out.text).to.have.length(versions.length);
        // Each op's row says how many calls each backend checked: some, and the same on both.
        for (const op of ['relu', 'softmax', 'log_softmax', 'moments']) {
          const rows = out.text.match(new RegExp(`^ {2}${op} +(\\d+) +(\\d+)$`, 'gm'))!;
          expect(rows, op).to.have.length(versions.length);
          for (const row of rows) {
            const [, a, b] = /(\d+) +(\d+)$/.exec(row)!;
            expect(Number(a), row).to.be.greaterThan(0);
            expect(a).to.equal(b);
          }
        }
      });

      it('prints the shrunk mismatch as both programs and how to repeat it, and shows a missing backward rule as unsupported; exit 1', async () => {
        const out = capture();
        const err = capture();
        const generators = { relu: RELU, softmax: RELU };
        const code = await fuzzCommand({ grad: true, ops: ['relu', 'softmax'], backends: ['reference', PLANTED_GRAD], cases: '100', seed: '2', progress: 'lines', generators }, out, err);
        expect(code, err.text).to.equal(1);
        expect(out.text).to.include('MISMATCH relu gradient on fuzz-planted-grad (shrunk in');
        expect(out.text).to.include('out, pullback = jax.vjp(f, jnp.asarray(x))').and.include("const [, pullback] = ops.vjp('relu', [x], {});");
        expect(out.text).to.include('Repeat with: keras-parity fuzz --grad --keras 3.15.1 --op relu --backend fuzz-planted-grad --cases 100 --seed 2');
        expect(out.text).to.match(/Gradients: 4 op x backend runs, \d+ calls, \d+ gradients checked, seed 2: 1 mismatch \(relu on fuzz-planted-grad\), 1 op x backend without a backward rule \(unsupported\)/);
        expect(out.text).to.match(/^ {2}softmax +100 +no rule$/m);
        expect(err.text).to.include('fuzz-planted-grad softmax (gradient): no backward rule on fuzz-planted-grad yet: unsupported');
      });

      it('--save DIR writes the shrunk case as a gradient golden case, which the gradient loader reads and the runner replays', async () => {
        const dir = join(tmp, 'found');
        const out = capture();
        const err = capture();
        const code = await fuzzCommand({ grad: true, ops: ['relu'], backends: [PLANTED_GRAD], cases: '100', seed: '2', save: dir, progress: 'none', generators: { relu: RELU } }, out, err);
        expect(code, err.text).to.equal(1);
        expect(out.text).to.include('Saved the gradient case relu/found-fuzz-planted-grad-seed2 to');
        const set = loadGradSetDir(gradSaveDirs(dir, NEWEST_KERAS));
        expect(set.broken).to.deep.equal([]);
        expect(set.forward.manifest.versions.keras).to.equal(NEWEST_KERAS);
        const c = set.ops.find((o) => o.op === 'relu')!.cases.find((k) => k.id === 'relu/found-fuzz-planted-grad-seed2')!;
        expect(c, 'the saved case').to.not.equal(undefined);
        expect((c.forward.args[0] as GoldenTensor).size).to.equal(1);
        const previous = getBackend();
        try {
          await setBackend('reference');
          expect((await runGradCase(c, 'reference', GRADIENT_TOLERANCES)).ok).to.equal(true);
          await setBackend(PLANTED_GRAD);
          expect((await runGradCase(c, PLANTED_GRAD, GRADIENT_TOLERANCES)).failure).to.equal("the gradient of x differs from jax.vjp's");
        } finally {
          await setBackend(previous);
        }
        // A second save to the same folder keeps the first case beside the new one.
        await fuzzCommand({ grad: true, ops: ['relu'], backends: [PLANTED_GRAD], cases: '100', seed: '2', save: dir, progress: 'none', generators: { relu: RELU } }, capture(), capture());
        const again = loadGradSetDir(gradSaveDirs(dir, NEWEST_KERAS));
        expect(again.ops[0].cases.map((k) => k.id)).to.deep.equal(['relu/found-fuzz-planted-grad-seed2', 'relu/found-fuzz-planted-grad-seed2-2']);
      });
    });
  });
});
