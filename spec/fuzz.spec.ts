/**
 * The fuzz runner against live Keras: snippets that reproduce a call (the Python one prints Keras's very
 * value, the JavaScript one keras-parity's), a mismatch planted in a throwaway backend (relu off by 1e-3
 * above 2, spec/fixtures/fuzz-backends.ts) found, shrunk to one element and printed as both programs,
 * and `--save` adding it to a copy of the golden catalogue, from which it runs as a golden case.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'chai';
import * as fc from 'fast-check';
import { fuzzCommand } from '../src/cli/fuzz.js';
import { NEWEST_KERAS } from '../src/keras-versions.js';
import { venvPython } from '../src/paths.js';
import { callOf, floats, ints, bools, type FuzzCall } from '../src/fuzz/call.js';
import type { OpGenerators } from '../src/fuzz/call.js';
import { KerasOracle } from '../src/fuzz/oracle.js';
import { reduceCall, slice } from '../src/fuzz/reduce.js';
import { CachedOracle, fuzzOp, type FuzzResult } from '../src/fuzz/run.js';
import { FOUND_FILE } from '../src/fuzz/save.js';
import { jsSnippet, pythonSnippet } from '../src/fuzz/snippet.js';
import { isClose } from '../src/golden/compare.js';
import type { Expected } from '../src/golden/cases.js';
import { loadGolden, runCase } from '../src/golden/index.js';
import { directorySource } from '../src/golden/node.js';
import { GoldenTensor } from '../src/golden/safetensors.js';
import { getBackend, registerBackend, setBackend } from '../src/index.js';
import registerPlanted, { PLANTED } from './fixtures/fuzz-backends.js';
import { kerasMissing, withKeras } from './keras.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const INDEX = pathToFileURL(join(ROOT, 'src', 'index.ts')).href;
const FIXTURE = pathToFileURL(fileURLToPath(new URL('./fixtures/fuzz-backends.ts', import.meta.url))).href;

const missing = await kerasMissing();

/**
 * The specs' own relu generators, so what they assert (a planted mismatch found, invalid calls drawn)
 * does not depend on the project's generators: float32 tensors of rank 0 to 3 with a few special values,
 * and an unknown keyword.
 */
const reluX = fc
  .tuple(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }), fc.nat(), fc.constantFrom(0, 0.2))
  .map(([shape, seed, specials]) => floats(shape, seed, { specials }));
const RELU: OpGenerators = {
  valid: reluX.map((x) => callOf('relu', { x })),
  invalid: reluX.map((x) => ({ ...callOf('relu', { x }), kwargs: { alpha: 1 } })),
};

function run(command: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(command, args, { cwd, timeout: 60_000 }, (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

/** The numbers a program printed (numpy's or Node's notation: brackets, commas, nan/NaN, True/false). */
function printedNumbers(text: string): number[] {
  const words: Record<string, number> = { nan: NaN, NaN: NaN, inf: Infinity, Infinity: Infinity, '-inf': -Infinity, '-Infinity': -Infinity, True: 1, true: 1, False: 0, false: 0 };
  return text
    .split(/[\s,[\]]+/)
    .filter((w) => w !== '')
    .map((w) => (w in words ? words[w] : Number(w)));
}

const bits = (v: number) => new Uint32Array(new Float32Array([v]).buffer)[0];

/** The outputs' elements, in order. */
function flatOutputs(expected: Expected): { dtype: string; values: number[] }[] {
  if (!('outputs' in expected)) throw new Error(`Keras raised ${JSON.stringify(expected.error)}`);
  return expected.outputs.map((o) => ({ dtype: o.dtype, values: Array.from(o.data) }));
}

const capture = () => {
  let text = '';
  return { write: (s: string) => ((text += s), true), get text() { return text; } };
};

describe('fuzz: tensor reduction', () => {
  it('slices a tensor along a dim', () => {
    const t = new GoldenTensor('', 'int32', [2, 3], new Int32Array([1, 2, 3, 4, 5, 6]));
    expect(Array.from(slice(t, 1, 1, 3).data)).to.deep.equal([2, 3, 5, 6]);
    expect(slice(t, 0, 1, 2).shape).to.deep.equal([1, 3]);
  });

  it('keeps cutting while the call fails the same way, down to the one element that matters', async () => {
    const x = floats([4, 5], 9);
    const data = x.data as Float32Array;
    data[13] = 7; // the only value above 5
    const stillFails = async (c: FuzzCall) => Array.from((c.args[0] as GoldenTensor).data).some((v) => v > 5);
    const { call, steps } = await reduceCall(callOf('relu', { x }), stillFails);
    const t = call.args[0] as GoldenTensor;
    expect(t.shape).to.deep.equal([1, 1]);
    expect(Array.from(t.data)).to.deep.equal([7]);
    expect(steps).to.be.greaterThan(2);
  });
});

describe('fuzz: generators', () => {
  it('draws the same calls for the same seed', () => {
    const sample = (seed: number) => fc.sample(RELU.valid, { seed, numRuns: 5 }).map((c) => JSON.stringify([(c.args[0] as GoldenTensor).shape, Array.from((c.args[0] as GoldenTensor).data)]));
    expect(sample(3)).to.deep.equal(sample(3));
    expect(sample(3)).to.not.deep.equal(sample(4));
  });
});

describe('fuzz (live Keras)', function () {
  this.timeout(120_000);
  withKeras(missing, () => {
    let oracle: KerasOracle;
    let cached: CachedOracle;
    let tmp: string;
    before(async () => {
      registerPlanted({ registerBackend });
      oracle = await KerasOracle.start();
      cached = new CachedOracle(oracle);
      tmp = mkdtempSync(join(tmpdir(), 'keras-parity-fuzz-'));
    });
    after(async () => {
      await oracle?.close();
      rmSync(tmp, { recursive: true, force: true });
    });

    describe('snippets', () => {
      const calls: [string, FuzzCall][] = [
        ['relu of specials', callOf('relu', { x: floats([2, 3], 5, { specials: 0.7 }) })],
        ['relu of a 0-d tensor', callOf('relu', { x: floats([], 6) })],
        ['relu of bools', callOf('relu', { x: bools([3], 2) })],
        ['softmax over a tuple of axes', callOf('softmax', { x: floats([2, 2, 3], 7), axis: [0, 2] })],
        ['one_hot with keywords', callOf('one_hot', { x: ints([2, 2], -1, 4, 3), num_classes: 3, axis: 0, dtype: 'int32' })],
        ['moments: two outputs', callOf('moments', { x: floats([3, 4], 8), axes: [1], keepdims: true })],
      ];

      for (const [title, call] of calls) {
        it(`${title}: the Python one prints Keras's value bit for bit, the JavaScript one keras-parity's`, async () => {
          const want = flatOutputs(await cached.call(call.op, call.args, call.kwargs));
          const py = join(tmp, 'repro.py');
          writeFileSync(py, pythonSnippet(call));
          const js = join(tmp, 'repro.mjs');
          writeFileSync(js, jsSnippet(call, 'reference', { importFrom: INDEX }));
          const [p, j] = await Promise.all([run(venvPython(NEWEST_KERAS), [py], tmp), run(process.execPath, ['--import', 'tsx', js], ROOT)]);
          expect(p.code, p.stderr).to.equal(0);
          const printed = printedNumbers(p.stdout);
          const all = want.flatMap((o) => o.values);
          expect(printed.length).to.equal(all.length);
          printed.forEach((v, i) => expect(bits(v), `element ${i}: printed ${v}, Keras ${all[i]}`).to.equal(bits(all[i])));

          expect(j.code, j.stderr).to.equal(0);
          // Each output prints its dtype and shape, then its elements.
          const lines = j.stdout.trim().split('\n');
          expect(lines.filter((l) => /^(float32|int32|bool) /.test(l)).map((l) => l.split(' ')[0])).to.deep.equal(want.map((o) => o.dtype));
          const numbers = printedNumbers(j.stdout.replace(/^(float32|int32|bool) \[[^\]]*\]/gm, ''));
          expect(numbers.length).to.equal(all.length);
          numbers.forEach((v, i) => expect(isClose(v, all[i], { atol: 1e-6, rtol: 1e-6 }), `element ${i}: ${v} vs ${all[i]}`).to.equal(true));
        });
      }

      it('writes float32 values exactly, with nan, inf and -0.0 spelt out', () => {
        const x = new GoldenTensor('', 'float32', [5], new Float32Array([NaN, -Infinity, -0, Math.fround(0.1), 1e-45]));
        const call = callOf('relu', { x });
        expect(pythonSnippet(call)).to.include('x = np.array([np.nan, -np.inf, -0.0, 0.1, 1e-45], dtype="float32")');
        expect(jsSnippet(call, 'tfjs-wasm')).to.include("const x = tensor([NaN, -Infinity, -0, 0.1, 1e-45], [5], 'float32');")
          .and.include("await setBackend('tfjs-wasm');")
          .and.include("import { opsFor, tensor, setBackend } from 'keras-parity';");
      });
    });

    describe('a planted mismatch', () => {
      let result: FuzzResult;
      before(async () => {
        result = await fuzzOp('relu', PLANTED, RELU, cached, { seed: 2, numRuns: 100 });
      });

      it('is found and shrunk to one element above 2', () => {
        const m = result.mismatch!;
        expect(m, 'a mismatch').to.not.equal(undefined);
        const x = m.call.args[0] as GoldenTensor;
        expect(x.size).to.equal(1);
        expect(x.data[0]).to.be.greaterThan(2);
        expect(m.report).to.match(/^relu\/fuzz \[fuzz-planted\]: output 0 differs from Keras/);
        expect(m.report).to.match(/max abs 0\.001/);
      });

      it('passes on the reference with the same seed (the mismatch is the backend\'s)', async () => {
        const clean = await fuzzOp('relu', 'reference', RELU, cached, { seed: 2, numRuns: 100 });
        expect(clean.mismatch).to.equal(undefined);
        expect(clean).to.include({ runs: 100, passed: 100 });
        expect(clean.valid + clean.invalid).to.equal(100);
        expect(clean.invalid).to.be.greaterThan(5);
      });

      it('prints as two programs that reproduce it: Keras gives x, the planted backend x + 0.001', async () => {
        const m = result.mismatch!;
        const value = (m.call.args[0] as GoldenTensor).data[0];
        const py = join(tmp, 'planted.py');
        writeFileSync(py, pythonSnippet(m.call));
        const p = await run(venvPython(NEWEST_KERAS), [py], tmp);
        expect(printedNumbers(p.stdout).map(bits), p.stderr).to.deep.equal([bits(value)]);
        const js = join(tmp, 'planted.mjs');
        // The planted backend exists only once registered; a user's backend is registered already.
        const register = `import register from '${FIXTURE}';\nimport { registerBackend } from '${INDEX}';\nregister({ registerBackend });\n`;
        writeFileSync(js, register + jsSnippet(m.call, PLANTED, { importFrom: INDEX }));
        const j = await run(process.execPath, ['--import', 'tsx', js], ROOT);
        expect(j.code, j.stderr).to.equal(0);
        const got = printedNumbers(j.stdout.replace(/^float32 \[[^\]]*\]/m, ''));
        expect(got).to.have.length(1);
        expect(got[0] - value).to.be.closeTo(1e-3, 1e-6);
      });
    });

    describe('keras-parity fuzz', () => {
      it('prints the shrunk mismatch as both programs and how to repeat it; exit 1', async () => {
        const out = capture();
        const err = capture();
        const code = await fuzzCommand({ ops: ['relu'], backends: ['reference', PLANTED], cases: '100', seed: '2', progress: 'lines', generators: { relu: RELU } }, out, err);
        expect(code, err.text).to.equal(1);
        expect(out.text).to.include('MISMATCH relu on fuzz-planted (a valid call, shrunk in');
        expect(out.text).to.include('import keras').and.include('print(np.asarray(keras.ops.relu(x)))');
        expect(out.text).to.include("await setBackend('fuzz-planted');").and.include("ops.call('relu', [x], {})");
        expect(out.text).to.include('Repeat with: keras-parity fuzz --keras 3.15.1 --op relu --backend fuzz-planted --cases 100 --seed 2');
        expect(out.text).to.match(/2 op x backend runs, \d+ calls, seed 2: 1 mismatch \(relu on fuzz-planted\)/);
        expect(err.text).to.match(/^ {2}reference relu: 100 passed \(\d+ valid, \d+ invalid\)/m);
        expect(err.text).to.match(/^ {2}fuzz-planted relu: \d+ passed .*MISMATCH after \d+ calls/m);
      });

      it('exits 0 when every call agrees with Keras', async () => {
        const out = capture();
        const code = await fuzzCommand({ ops: ['relu'], backends: ['reference'], cases: '60', seed: '5', progress: 'none', generators: { relu: RELU } }, out, capture());
        expect(code).to.equal(0);
        expect(out.text).to.include('1 op x backend run, 60 calls, seed 5: no mismatch');
      });

      it('--save adds the call to the catalogue and its golden case, which then runs as any golden case', async function () {
        this.timeout(180_000);
        const root = join(tmp, 'repo');
        for (const dir of ['tools', 'golden']) cpSync(join(ROOT, dir), join(root, dir), { recursive: true, filter: (s) => !s.includes('__pycache__') });
        const realFound = existsSync(join(ROOT, FOUND_FILE)) ? readFileSync(join(ROOT, FOUND_FILE), 'utf8') : undefined;
        const out = capture();
        const err = capture();
        const code = await fuzzCommand({ ops: ['relu'], backends: [PLANTED], cases: '100', seed: '2', save: 'planted', progress: 'none', root, generators: { relu: RELU } }, out, err);
        expect(code, err.text).to.equal(1);
        expect(out.text).to.include('Saved relu/found-planted to');
        const found = JSON.parse(readFileSync(join(root, FOUND_FILE), 'utf8'));
        const entry = found.cases.find((c: { id: string }) => c.id === 'relu/found-planted');
        expect(entry.found).to.include({ backend: PLANTED, command: 'keras-parity fuzz --keras 3.15.1 --op relu --backend fuzz-planted --cases 100 --seed 2' });
        expect(entry.args[0].tensor).to.deep.include({ dtype: 'float32' });
        // The real catalogue is untouched.
        const now = existsSync(join(ROOT, FOUND_FILE)) ? readFileSync(join(ROOT, FOUND_FILE), 'utf8') : undefined;
        expect(now).to.equal(realFound);
        // The regenerated goldens load (the manifest's hashes match) and hold the case.
        const golden = loadGolden(directorySource(join(root, 'golden', 'keras-3.15.1')));
        expect(golden.broken).to.deep.equal([]);
        const c = golden.ops.find((o) => o.op === 'relu')!.cases.find((k) => k.id === 'relu/found-planted')!;
        expect(c, 'the saved case').to.not.equal(undefined);
        expect((await runCase(c, 'reference', [])).ok).to.equal(true);
        const previous = getBackend();
        await setBackend(PLANTED);
        const planted = await runCase(c, PLANTED, []).finally(() => setBackend(previous));
        expect(planted.failure).to.equal('output 0 differs from Keras');
      });
    });
  });
});
