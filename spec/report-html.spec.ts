/**
 * The HTML parity report (src/report/html.ts): the page as a string (every op and backend, escaping,
 * nothing fetched), then the page in headless Chromium (launched as src/browser/node/chromium.ts does):
 * the heatmap has a cell per op x backend and clicking the failing cell shows its case;
 * with bench results, the Performance section shows its plots and tables.
 *
 * Without that Chromium the browser tests are pending with the reason in their title, unless
 * KERAS_PARITY_REQUIRE_CHROMIUM=1 (CI), where they fail saying what is missing.
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { chromiumMissing, launchChromium, type ChromiumSession } from '../src/browser/node/chromium.js';
import { renderHtml } from '../src/report/html.js';
import { upgradeReport, type OldReport, type ParityReport } from '../src/report/model.js';
import { BENCH_BACKENDS, BENCH_OPS, EVIL_OP, benchFixture } from './fixtures/bench.js';
import { chromiumUnavailable } from './helpers.js';

const EVIL_ID = 'relu/evil-<script>alert("x")</script>&"\'';

/** A report of format 1, as parseReport reads it: all of Keras 3.6.0. */
function fixture(): ParityReport {
  return upgradeReport(formatOne());
}

function formatOne(): OldReport {
  return {
    format: 1,
    generatedAt: '2025-01-02T03:04:05.000Z',
    command: 'keras-parity run --backends reference,tfjs-cpu,tfjs-wasm',
    environment: {
      node: 'v20.20.2',
      platform: 'linux x64',
      cpu: 'Test CPU @ 3.0GHz',
      tfjs: '4.22.0',
      keras: { keras: '3.6.0', jax: '0.4.34', tensorflow: '2.17.1', numpy: '1.26.4' },
    },
    backends: [
      { name: 'reference', available: true, device: 'CPU (TypeScript, float64 accumulation)', required: true },
      { name: 'tfjs-cpu', available: true, device: 'CPU (TF.js cpu kernels)', required: true },
      {
        name: 'tfjs-wasm',
        available: false,
        reason: 'could not load tfjs-backend-wasm.wasm <missing file>',
        required: false,
      },
    ],
    ops: ['relu', 'conv'],
    cells: [
      { op: 'relu', backend: 'reference', passed: 12, failed: 0, excluded: 0, unsupported: 0, worst: { maxAbs: 0, maxRel: 0, maxUlp: 0, caseId: 'relu/basic' } },
      { op: 'relu', backend: 'tfjs-cpu', passed: 11, failed: 0, excluded: 1, unsupported: 0, worst: { maxAbs: 1.2e-7, maxRel: 6e-8, maxUlp: 1, caseId: 'relu/basic' } },
      { op: 'conv', backend: 'reference', passed: 40, failed: 0, excluded: 0, unsupported: 0, worst: { maxAbs: 4e-6, maxRel: 5e-5, maxUlp: 12, caseId: 'conv/loose' } },
      { op: 'conv', backend: 'tfjs-cpu', passed: 38, failed: 1, excluded: 0, unsupported: 1, worst: { maxAbs: 0.0123, maxRel: 0.002, maxUlp: 81234, caseId: 'conv/2d-same-s2' } },
    ],
    cases: [
      {
        id: 'conv/2d-same-s2',
        op: 'conv',
        backend: 'tfjs-cpu',
        status: 'failed',
        call: "conv(<float32 (2, 8, 8, 3)>, <float32 (3, 3, 3, 4)>, strides=2, padding='same')",
        reason: '3 of 128 elements outside tolerance',
        tolerance: { atol: 1e-6, rtol: 1e-6, source: 'default float32' },
        outputs: [
          {
            maxAbs: 0.0123,
            maxRel: 0.002,
            maxUlp: 81234,
            mismatches: [
              { index: [0, 1, 2, 3], got: 1.5123000144958496, want: 1.5 },
              { index: [1, 0, 0, 2], got: -0.25, want: -0.2537500262260437 },
              { index: [1, 1, 1, 1], got: NaN, want: -Infinity },
            ],
          },
        ],
      },
      {
        id: EVIL_ID,
        op: 'relu',
        backend: 'tfjs-cpu',
        status: 'excluded',
        call: 'relu(<float32 (3,)>)',
        reason: 'TF.js <b>bold</b> claim & "quotes"',
      },
      {
        id: 'conv/loose',
        op: 'conv',
        backend: 'reference',
        status: 'loosened',
        call: 'conv(<float32 (1, 9, 8, 2)>, <float32 (3, 3, 2, 2)>)',
        reason: 'near-cancelling sum',
        tolerance: { atol: 4e-6, rtol: 1e-6, source: 'spec/conformance/tolerances.ts' },
        outputs: [{ maxAbs: 4e-6, maxRel: 5e-5, maxUlp: 12, mismatches: [] }],
      },
    ],
    kerasDisagreements: [
      { op: 'conv', caseId: 'conv/2d-valid', backend: 'tensorflow', maxAbs: 2e-6, maxRel: 1e-5 },
      { op: 'conv', caseId: 'conv/2d-valid', backend: 'numpy', maxAbs: 3e-6 },
      { op: 'relu', caseId: 'relu/nan', backend: 'numpy', note: 'raises ValueError instead' },
    ],
    summary: { passed: 101, failed: 1, excluded: 1, unsupported: 1, ok: false },
  };
}

const report = fixture();
const html = renderHtml(report);

/** The fixture as report.json has it since the machine facts: the machine, and tfjs-cpu with settings. */
function withMachine(): ParityReport {
  const r = fixture();
  r.environment.machine = {
    cpu: {
      model: 'Intel(R) Xeon(R) Platinum 8480+',
      vendor: 'GenuineIntel',
      logicalCores: 8,
      availableCores: 8,
      isa: { avx2: true, avx512f: true, avx512_vnni: true, avx512_bf16: true, amx_tile: true, amx_int8: true, amx_bf16: true },
    },
    os: { platform: 'linux', arch: 'x64', release: '6.1.0' },
    node: 'v20.20.2',
    memoryMiB: 32000,
    variables: { TF_ENABLE_ONEDNN_OPTS: '0', OMP_NUM_THREADS: null },
    gpu: { devices: [{ name: 'NVIDIA <H200>', driver: '550.90.07' }], cudaDriverVersion: '12.4', libraries: [] },
  };
  r.backends[1]!.settings = { oneDNN: 'off (TF_ENABLE_ONEDNN_OPTS=0)', 'intra-op threads': '8' };
  return r;
}
const withBench = renderHtml({ ...fixture(), bench: { source: 'bench/results/bench.json', data: benchFixture({ kerasJax: true }) } });

/** The fixture run on Keras 3.6.0 and 3.15.1: each version with the same cells, cases and disagreements. */
function twoVersions(): ParityReport {
  const r = fixture();
  const newer = <T extends { keras: string }>(items: T[]) => [...items, ...items.map((x) => ({ ...x, keras: '3.15.1' }))];
  return {
    ...r,
    kerasVersions: ['3.6.0', '3.15.1'],
    environment: { ...r.environment, keras: { ...r.environment.keras, '3.15.1': { keras: '3.15.1', jax: '0.10.2' } } },
    cells: newer(r.cells),
    cases: newer(r.cases),
    kerasDisagreements: newer(r.kerasDisagreements),
  };
}
const twoHtml = renderHtml(twoVersions());

describe('HTML report: two Keras versions', () => {
  it('gives each version a heading and a heatmap of its own, and every element id once', () => {
    expect(twoHtml).to.include('<h3 id="h-heatmap-0">Keras 3.6.0</h3>').and.include('<h3 id="h-heatmap-1">Keras 3.15.1</h3>');
    expect(twoHtml.match(/<table class="heatmap"/g)).to.have.length(2);
    expect(twoHtml).to.include('aria-label="conv on tfjs-cpu, Keras 3.15.1: ');
    const ids = [...twoHtml.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).to.deep.equal([]);
    expect(twoHtml).to.include('Keras 3.6.0 and 3.15.1');
    expect(twoHtml).to.include('goldens of Keras 3.15.1: JAX');
    expect(twoHtml.match(/where Keras 3\.15\.1 on its own/g)).to.have.length(1);
  });

  it('lists the cases of both versions, each with its version', () => {
    expect(twoHtml.match(/<\/a><\/td><td>3\.15\.1<\/td>/g)).to.have.length(fixture().cases.length);
  });
});

describe('HTML report: the page', () => {
  it('names every op and backend', () => {
    for (const op of report.ops) expect(html).to.include(`>${op}</th>`);
    for (const b of report.backends) expect(html).to.include(`>${b.name}<`);
    expect(html).to.match(/^<!DOCTYPE html>/);
  });

  it('escapes case ids and messages', () => {
    expect(html).not.to.include('<script>alert');
    expect(html).not.to.include('<b>bold</b>');
    expect(html).to.include('relu/evil-&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&quot;&#39;');
    expect(html).to.include('TF.js &lt;b&gt;bold&lt;/b&gt; claim &amp; &quot;quotes&quot;');
    expect(html).to.include('&lt;missing file&gt;');
    // One script element: the page's own.
    expect(html.match(/<script/g)).to.have.length(1);
  });

  it('references nothing on the network', () => {
    expect(html).not.to.match(/https?:\/\//i);
    expect(html).not.to.match(/\ssrc=/i);
    expect(html).not.to.match(/<link\b/i);
  });

  it('has a Performance section only with bench results', () => {
    expect(html).not.to.include('id="performance"');
    expect(html).not.to.include('<svg');
    expect(withBench).to.include('<section aria-labelledby="h-perf" id="performance">');
    expect(withBench.match(/<script/g)).to.have.length(1);
    expect(withBench).not.to.match(/https?:\/\//i);
  });

  it('has the summary, disagreements and environment', () => {
    expect(html).to.include('FAILED');
    expect(html).to.include('101 passed, 1 failed, 1 excluded, 1 unsupported');
    expect(html).to.include('3 cases over 2 ops');
    expect(html).to.include('TensorFlow (1) or NumPy (2)');
    for (const v of ['v20.20.2', '4.22.0', '3.6.0', '0.4.34', '1.26.4', 'Test CPU @ 3.0GHz']) expect(html).to.include(v);
    expect(html).to.include('ULP');
  });
});

describe('HTML report: the machine and backend settings', () => {
  const page = renderHtml(withMachine());
  const row = (k: string, v: string) => `<tr><th scope="row">${k}</th><td>${v}</td></tr>`;

  it('shows the CPU with its ISA features, the GPU, CUDA libraries, variables and each backend\'s settings', () => {
    expect(page).to.include(row('CPU', 'Intel(R) Xeon(R) Platinum 8480+ (avx2 yes, avx512f yes, avx512_vnni yes, avx512_bf16 yes, amx yes), 8 logical cores'));
    expect(page).to.include(row('GPU', 'NVIDIA &lt;H200&gt; (driver 550.90.07), CUDA 12.4 (the driver&#39;s)'));
    expect(page).to.include(row('CUDA runtime / cuDNN', 'none found'));
    expect(page).to.include(row('variables that change numbers', 'TF_ENABLE_ONEDNN_OPTS=0; the others unset'));
    expect(page).to.include(row('settings: <code>tfjs-cpu</code>', 'oneDNN off (TF_ENABLE_ONEDNN_OPTS=0), intra-op threads 8'));
    expect(page).not.to.include('Test CPU @ 3.0GHz');
  });

  it('shows a report from before the machine facts as before: the CPU model and count', () => {
    expect(html).to.include(row('CPU', 'Test CPU @ 3.0GHz'));
    expect(html).not.to.include('variables that change numbers');
    expect(html).not.to.include('settings: ');
  });
});

describe('HTML report: in headless Chromium', function () {
  if (chromiumUnavailable(chromiumMissing())) return;

  let session: ChromiumSession | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  const requests: string[] = [];
  const dialogs: string[] = [];

  before(async function () {
    this.timeout(60000);
    session = await launchChromium();
    page = await session.context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('request', (r) => requests.push(r.url()));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.setContent(html, { waitUntil: 'load' });
  });

  after(async () => {
    await session?.close();
  });

  it('shows a heatmap cell for every op and backend', async () => {
    const heads = await page.locator('#heatmap thead th .bname').allTextContents();
    expect(heads).to.deep.equal(report.backends.map((b) => b.name));
    const rows = await page.locator('#heatmap tbody th[scope=row]').allTextContents();
    expect(rows).to.deep.equal(report.ops);
    for (const op of report.ops) {
      for (const b of report.backends) {
        const cell = page.locator(`#heatmap .cellbtn[aria-label^="${op} on ${b.name}, Keras 3.6.0:"]`);
        expect(await cell.count(), `${op} x ${b.name}`).to.equal(1);
        expect(await cell.isVisible(), `${op} x ${b.name}`).to.equal(true);
      }
    }
    expect(await page.locator('#heatmap .cellbtn[aria-label^="conv on tfjs-wasm, Keras 3.6.0:"]').innerText()).to.include('unavailable');
    const failing = page.locator('#heatmap .cellbtn[aria-label^="conv on tfjs-cpu, Keras 3.6.0:"]');
    expect(await failing.innerText()).to.match(/38\s*✓\s*1\s*✗/);
    expect(await failing.innerText()).to.match(/failed/i);
    expect(await failing.evaluate((e) => e.closest('td')!.className)).to.include('fail');
  });

  it('reveals the case details when the failing cell is clicked', async () => {
    const failing = page.locator('#heatmap .cellbtn[aria-label^="conv on tfjs-cpu, Keras 3.6.0:"]');
    const panelId = (await failing.getAttribute('aria-controls'))!;
    const panel = page.locator(`#${panelId}`);
    expect(await panel.isVisible()).to.equal(false);
    expect(await page.getByText("strides=2, padding='same'").isVisible()).to.equal(false);

    await failing.click();
    expect(await failing.getAttribute('aria-expanded')).to.equal('true');
    expect(await panel.isVisible()).to.equal(true);
    const text = await panel.innerText();
    expect(text).to.include('conv/2d-same-s2');
    expect(text).to.include("conv(<float32 (2, 8, 8, 3)>, <float32 (3, 3, 3, 4)>, strides=2, padding='same')");
    expect(text).to.include('3 of 128 elements outside tolerance');
    expect(text).to.include('[0, 1, 2, 3]');
    expect(text).to.include('1.5123'); // received
    expect(text).to.include('-0.25375'); // expected
    expect(text).to.match(/max ULP\s+81234/);
    expect(text).to.include('default float32');
    expect(await panel.locator('tr', { hasText: '[1, 1, 1, 1]' }).innerText()).to.match(/-inf\s+nan\s+nan/);
    expect(await panel.getByText('[1, 0, 0, 2]').isVisible()).to.equal(true);

    await failing.click();
    expect(await panel.isVisible()).to.equal(false);
    expect(await failing.getAttribute('aria-expanded')).to.equal('false');
  });

  it('opens a cell of the second version\'s heatmap under its own row, across its own columns', async () => {
    const two = await session!.context.newPage();
    try {
      await two.setContent(twoHtml, { waitUntil: 'load' });
      const cell = two.locator('#heatmap-1 .cellbtn[aria-label^="conv on tfjs-cpu, Keras 3.15.1:"]');
      await cell.click();
      const panel = two.locator(`#${await cell.getAttribute('aria-controls')}`);
      expect(await panel.isVisible()).to.equal(true);
      expect(await panel.innerText()).to.include('Keras 3.15.1').and.include('conv/2d-same-s2');
      expect(await panel.evaluate((p) => p.closest('table')!.id)).to.equal('heatmap-1');
      expect(await panel.evaluate((p) => (p.closest('td') as HTMLTableCellElement).colSpan)).to.equal(4);
    } finally {
      await two.close();
    }
  });

  it('opens an excluded case from the case list, its id shown as text', async () => {
    const link = page.locator('#case-list a.caselink', { hasText: 'relu/evil-' });
    await link.click();
    const details = page.locator(`#${await link.getAttribute('data-case')}`);
    expect(await details.isVisible()).to.equal(true);
    expect(await details.evaluate((e) => (e as HTMLDetailsElement).open)).to.equal(true);
    const text = await details.innerText();
    expect(text).to.include(EVIL_ID);
    expect(text).to.include('TF.js <b>bold</b> claim & "quotes"');
  });

  it('shows the Performance section with its plots, legends and tables when the report has bench data', async () => {
    const perf = await session!.context.newPage();
    await perf.setViewportSize({ width: 1280, height: 900 });
    perf.on('pageerror', (e) => pageErrors.push(String(e)));
    perf.on('request', (r) => requests.push(r.url()));
    await perf.setContent(withBench, { waitUntil: 'load' });
    await perf.locator('a[href="#performance"]').click();
    const section = perf.locator('#performance');
    expect(await section.isVisible()).to.equal(true);
    expect(await perf.locator('#h-perf').innerText()).to.equal('Performance');
    const charts = section.locator('figure.plot svg.chart');
    // One per op, then adapter overhead, reference / tfjs-cpu and Keras on JAX.
    expect(await charts.count()).to.equal(BENCH_OPS.length + 1 + 3);
    for (let i = 0; i < (await charts.count()); i++) {
      const box = (await charts.nth(i).boundingBox())!;
      expect(box.width, `chart ${i} width`).to.be.greaterThan(400);
      expect(box.height, `chart ${i} height`).to.be.greaterThan(150);
      expect(await charts.nth(i).locator('.legend-item').count(), `chart ${i} legend`).to.be.greaterThan(0);
    }
    const relu = section.locator('#perf-op-0');
    expect(await relu.getAttribute('id')).to.equal('perf-op-0');
    const legend = await relu.locator('.legend-item').allTextContents();
    expect(legend).to.deep.equal([...BENCH_BACKENDS, 'Keras 3.6 (JAX)']);
    expect(await relu.locator('g.line polyline').count()).to.equal(BENCH_BACKENDS.length + 1);
    // Every plotted line lies inside its chart.
    const svgBox = (await relu.locator('svg').boundingBox())!;
    for (const line of await relu.locator('g.line polyline').all()) {
      const b = (await line.boundingBox())!;
      expect(b.x).to.be.at.least(svgBox.x);
      expect(b.x + b.width).to.be.at.most(svgBox.x + svgBox.width);
      expect(b.y).to.be.at.least(svgBox.y);
    }
    expect(await relu.locator('table').isVisible()).to.equal(true);
    expect(await relu.locator('tbody tr').count()).to.equal(3);
    expect(await section.getByText(`${EVIL_OP}: median time per call`).first().count()).to.equal(1);
    const target = section.locator('#perf-overhead-fig .refline');
    expect(await target.isVisible()).to.equal(true);
    expect(await target.textContent()).to.equal('target 1.05×');
    expect(await section.locator('#perf-overhead-fig table tbody tr').count()).to.equal(9);
    await perf.close();
  });

  it('runs its script without errors, injects nothing and fetches nothing', () => {
    expect(pageErrors).to.deep.equal([]);
    expect(dialogs).to.deep.equal([]);
    expect(requests.filter((u) => !u.startsWith('about:') && !u.startsWith('data:'))).to.deep.equal([]);
  });
});
