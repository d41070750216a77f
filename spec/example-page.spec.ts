/**
 * The example page (examples/browser/) in headless Chromium, served as `npm run example:browser` serves
 * it: on each backend the spec picks it, sets the inputs, clicks Run and reads what the page shows (the
 * backend, the output shapes, the first values, the times and the verdict against the reference). The
 * expected shapes are derived here from the preset; the expected values come from Node's reference
 * backend on the inputs the page's own generator (examples/browser/inputs.js) draws for the same seed.
 * With ?perturb the verdict must turn, so it is not a constant.
 *
 * Without /usr/bin/chromium these are pending, unless KERAS_PARITY_REQUIRE_CHROMIUM=1 (CI).
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { attentionAccumulation, compare, convAccumulation, tolerance } from '../examples/browser/check.js';
import { attentionInputs, convInputs, generator, PRESETS } from '../examples/browser/inputs.js';
import { serveExample, type ExampleServer } from '../examples/browser/serve.js';
import { chromiumMissing, launchChromium, type ChromiumSession } from '../src/browser/node/index.js';
import { getBackend, ops, setBackend, tensor } from '../src/index.js';
import { chromiumUnavailable } from './helpers.js';

const missing = chromiumMissing();
// The smallest preset: WebGL and WebGPU run on SwiftShader (the CPU) here.
const PRESET = 'small';
const SHOWN = 4;

interface Run {
  backend: string;
  seed: number;
  strides: number;
  causal: boolean;
  /** What listBackends() says of the device, as the page shows it. */
  device: RegExp;
}

// Each backend with other settings, so that a page ignoring one of them shows it.
const RUNS: Run[] = [
  { backend: 'reference', seed: 1, strides: 1, causal: false, device: /^Device: CPU \(pure TypeScript/ },
  { backend: 'tfjs-webgl', seed: 7, strides: 2, causal: true, device: /^Device: WebGL 2: / },
  { backend: 'tfjs-webgpu', seed: 3, strides: 1, causal: true, device: /^Device: WebGPU: / },
  { backend: 'tfjs-wasm', seed: 11, strides: 2, causal: false, device: /^Device: CPU \(TF\.js WebAssembly in the page/ },
];

interface Expected {
  shape: number[];
  values: Float32Array;
  tolerance: number;
}

/** Output shapes from the preset: 'same' padding gives ceil(size / stride); attention keeps the query's. */
function expectedShapes(run: Run): { conv: number[]; attention: number[] } {
  const { conv, attention } = PRESETS[PRESET];
  const [batch, height, width] = conv.input;
  const spatial = [height, width].map((n) => Math.ceil(n / run.strides));
  return { conv: [batch, ...spatial, conv.kernel[3]], attention: [...attention.query] };
}

/** Both ops on Node's reference backend, on the inputs the page draws for the same seed. */
async function expectedOnReference(run: Run): Promise<{ conv: Expected; attention: Expected }> {
  const previous = getBackend();
  await setBackend('reference');
  try {
    const c = convInputs(PRESET, run.seed);
    const a = attentionInputs(PRESET, run.seed);
    const conv = ops.conv(tensor(c.input.values, c.input.shape), tensor(c.kernel.values, c.kernel.shape), { strides: run.strides, padding: 'same' });
    const attention = ops.dotProductAttention(
      tensor(a.query.values, a.query.shape),
      tensor(a.key.values, a.key.shape),
      tensor(a.value.values, a.value.shape),
      { isCausal: run.causal },
    );
    const convValues = (await conv.data()) as Float32Array;
    const attentionValues = (await attention.data()) as Float32Array;
    return {
      conv: { shape: conv.shape, values: convValues, tolerance: tolerance(convValues, convAccumulation(c.kernel.shape)) },
      attention: { shape: attention.shape, values: attentionValues, tolerance: tolerance(attentionValues, attentionAccumulation(a.key.shape)) },
    };
  } finally {
    await setBackend(previous);
  }
}

/** Sets the page's controls for `run`, clicks Run and waits until the page has finished. */
async function runOnPage(page: Page, run: Run, samples = 2): Promise<void> {
  await page.check(`#backend-${run.backend}`);
  await page.selectOption('#preset', PRESET);
  await page.fill('#seed', String(run.seed));
  await page.selectOption('#strides', String(run.strides));
  await page.setChecked('#causal', run.causal);
  await page.fill('#samples', String(samples));
  await page.click('#run');
  await page.waitForFunction(
    () => !(document.getElementById('run') as HTMLButtonElement).disabled && /^(Done|Failed)/.test(document.getElementById('status')!.textContent ?? ''),
    null,
    { timeout: 50_000 },
  );
}

const text = async (page: Page, selector: string) => (await page.textContent(selector)) ?? '';

/** `[1, 8, 8, 8]` */
const parseShape = (shown: string) => JSON.parse(shown) as number[];

/** `1.18585, -1.23313, 0.57879, 3.01566, …` */
const parseValues = (shown: string) => shown.replace(/, …$/, '').split(', ');

/** `5.10 ms`, `0.0457 ms`, `803 ms` */
function parseMilliseconds(shown: string): number {
  const match = /^(\d+(?:\.\d+)?) ms$/.exec(shown);
  expect(match, `a time in ms: ${shown}`).to.not.equal(null);
  return Number(match![1]);
}

/** What the page shows for one op, against the Node reference's values (shown with 5 decimals). */
async function expectShown(page: Page, op: 'conv' | 'attention', run: Run, want: Expected, shape: number[]) {
  expect(parseShape(await text(page, `#${op}-shape`)), `${op} shape`).to.deep.equal(shape);
  expect(want.shape, `${op} shape on Node`).to.deep.equal(shape);
  const shown = parseValues(await text(page, `#${op}-values`));
  const exact = [...want.values.slice(0, SHOWN)].map((v) => v.toFixed(5));
  if (run.backend === 'reference') {
    // The same code on the same float32 inputs: the same bits, so the same digits.
    expect(shown, `${op} first values`).to.deep.equal(exact);
  } else {
    expect(shown, `${op} first values`).to.have.length(SHOWN);
    // Half a unit of the fifth decimal for the display, plus what the page itself allows.
    shown.forEach((v, i) => expect(Math.abs(Number(v) - want.values[i]), `${op} value ${i}: shown ${v}, reference ${exact[i]}`).to.be.at.most(5e-6 + want.tolerance));
  }
  expect(parseMilliseconds(await text(page, `#${op}-time`)), `${op} time`).to.be.greaterThan(0);
  expect(await text(page, `#${op}-check`), `${op} verdict`).to.equal('✓ Yes, within tolerance');
  const [error, allowed] = /^(\S+), allowed (\S+) \(L = \d+\)$/.exec(await text(page, `#${op}-error`))!.slice(1).map(Number);
  expect(error).to.be.at.most(allowed);
  expect(allowed).to.be.closeTo(want.tolerance, want.tolerance * 0.01);
}

describe('example page (examples/browser/) in headless Chromium', function () {
  this.timeout(60_000);
  if (chromiumUnavailable(missing)) return;

  let example: ExampleServer;
  let chromium: ChromiumSession;
  let page: Page;
  const uncaught: string[] = [];

  before(async function () {
    this.timeout(120_000);
    example = await serveExample();
    chromium = await launchChromium();
    chromium.context.on('page', (opened) => opened.on('pageerror', (e) => uncaught.push(`${opened.url()}: ${e.message}`)));
    page = await chromium.context.newPage();
    await page.goto(example.url);
    await page.waitForFunction(() => document.getElementById('status')!.textContent === 'Ready.', null, { timeout: 60_000 });
  });

  after(async () => {
    await chromium?.close();
    await example?.server.close();
  });

  it('lists every backend of the bundle, each available, the first TF.js one picked', async () => {
    const rows = await page.$$eval('#backends input[name=backend]', (inputs) =>
      (inputs as HTMLInputElement[]).map((i) => [i.value, i.disabled, i.checked]),
    );
    expect(rows).to.deep.equal([
      ['reference', false, false],
      ['tfjs-webgl', false, true],
      ['tfjs-webgpu', false, false],
      ['tfjs-wasm', false, false],
    ]);
  });

  for (const run of RUNS) {
    it(`on ${run.backend} (seed ${run.seed}, strides ${run.strides}, causal ${run.causal}): the page shows the shapes, the reference's values, a time and a match`, async () => {
      await runOnPage(page, run);
      expect(await text(page, '#status')).to.match(/^Done in [\d.]+ s: both match the reference\.$/);
      expect(await text(page, '#result-backend')).to.equal(run.backend);
      expect(await text(page, '#result-device')).to.match(run.device);
      const want = await expectedOnReference(run);
      const shapes = expectedShapes(run);
      await expectShown(page, 'conv', run, want.conv, shapes.conv);
      await expectShown(page, 'attention', run, want.attention, shapes.attention);
    });
  }

  it('disables a backend that cannot start and says why: tfjs-webgl with float16 textures', async () => {
    const f16 = await chromium.context.newPage();
    try {
      // TF.js reads flags from the page's URL: this one makes webgl use float16 textures, which keras-parity refuses.
      await f16.goto(`${example.url}?tfjsflags=WEBGL_FORCE_F16_TEXTURES:true`);
      await f16.waitForFunction(() => document.getElementById('status')!.textContent === 'Ready.', null, { timeout: 60_000 });
      const webgl = f16.locator('#backend-tfjs-webgl');
      expect([await webgl.isDisabled(), await webgl.isChecked()]).to.deep.equal([true, false]);
      expect(await text(f16, '#backend-tfjs-webgl-about')).to.match(/^unavailable: TF\.js's webgl backend computes below float32 here/);
      expect(await webgl.getAttribute('aria-describedby')).to.equal('backend-tfjs-webgl-about');
      expect(await f16.locator('#backend-tfjs-webgpu').isChecked()).to.equal(true);
    } finally {
      await f16.close();
    }
  });

  it('says "no" when a result is off: ?perturb=0.001 moves the first value of each result', async () => {
    const perturbed = await chromium.context.newPage();
    try {
      await perturbed.goto(`${example.url}?perturb=0.001`);
      await perturbed.waitForFunction(() => document.getElementById('status')!.textContent === 'Ready.', null, { timeout: 60_000 });
      const run = RUNS.find((r) => r.backend === 'tfjs-wasm')!;
      await runOnPage(perturbed, run);
      expect(await text(perturbed, '#status')).to.match(/^Done in [\d.]+ s: conv and attention did not match the reference\.$/);
      const want = await expectedOnReference(run);
      for (const op of ['conv', 'attention'] as const) {
        expect(await text(perturbed, `#${op}-check`), op).to.equal('✗ No, outside tolerance');
        expect(await perturbed.getAttribute(`#${op}-check`, 'class'), op).to.equal('fail');
        const first = Number(parseValues(await text(perturbed, `#${op}-values`))[0]);
        expect(first - want[op].values[0], `${op} first value`).to.be.closeTo(0.001, 1e-5);
        const error = Number(/^(\S+),/.exec(await text(perturbed, `#${op}-error`))![1]);
        expect(error, `${op} max abs error`).to.be.closeTo(0.001, 1e-5);
      }
    } finally {
      await perturbed.close();
    }
  });

  it('leaves no uncaught error in any of its pages', () => {
    expect(uncaught).to.deep.equal([]);
  });
});

describe('example page: inputs and check (examples/browser/inputs.js, check.js)', () => {
  it('draws the same float32 inputs for a seed, other inputs for another, all in [-1, 1)', () => {
    const a = convInputs(PRESET, 5);
    expect(convInputs(PRESET, 5).input.values).to.deep.equal(a.input.values);
    expect(convInputs(PRESET, 6).input.values).to.not.deep.equal(a.input.values);
    expect(attentionInputs(PRESET, 5).query.values.slice(0, 8)).to.not.deep.equal(a.input.values.slice(0, 8));
    for (const v of [...a.input.values, ...a.kernel.values]) expect(v).to.be.at.least(-1).and.below(1);
  });

  it('is mulberry32: seed 0 starts with 1144304738 / 2^32', () => {
    // mulberry32's C original in uint32 arithmetic, computed in Python: a = 0x6D2B79F5; t = (a ^ a >> 15) * (a | 1);
    // t ^= t + (t ^ t >> 7) * (t | 61); t ^ t >> 14 = 1144304738.
    expect(generator(0)() * 2 ** 32).to.equal(1144304738);
  });

  it('allows 1e-6 + L·2^-23·max|ref|, and fails beyond it, on NaN and on a length mismatch', () => {
    const ref = [4, -2, 0];
    const allowed = 1e-6 + 36 * 2 ** -23 * 4;
    expect(compare([4 + allowed * 0.99, -2, 0], ref, 36)).to.deep.include({ matches: true, tolerance: allowed });
    expect(compare([4, -2, allowed * 1.01], ref, 36).matches).to.equal(false);
    const nan = compare([4, NaN, 0], ref, 36);
    expect([nan.matches, nan.maxAbsError]).to.deep.equal([false, NaN]);
    expect(() => compare([4, -2], ref, 36)).to.throw(RangeError, 'got 2 values, the reference has 3');
  });
});
