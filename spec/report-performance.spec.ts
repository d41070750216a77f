/**
 * The report's Performance section: chart scales (log ticks at round values, evenly spaced), the SVG
 * plots and their tables for a bench fixture (every op and backend, the 1.05x target line where the
 * axis puts 1.05, escaping, no NaN or undefined), the Markdown tables, reading bench.json (typed errors
 * naming the field), and `runParity` embedding it in report.json.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { BENCH_SCHEMA, OVERHEAD_TARGET, type BenchFile } from '../src/benchfile/model.js';
import { BenchFormatError, parseBench } from '../src/benchfile/parse.js';
import { UsageError } from '../src/cli/args.js';
import type { MachineFacts } from '../src/machine.js';
import type { RunConditions } from '../src/report/bench-view.js';
import { loadBench } from '../src/cli/bench.js';
import { cli } from '../src/cli/cli.js';
import { runParity } from '../src/cli/run.js';
import { parseReport, type ReportBench } from '../src/report/model.js';
import { performanceMarkdown } from '../src/report/performance-md.js';
import { performanceSection } from '../src/report/performance.js';
import { autoScale, linearScale, logScale, siCount } from '../src/report/svg/scale.js';
import { BENCH_BACKENDS, BENCH_KERAS, BENCH_OPS, EVIL_OP, benchFixture } from './fixtures/bench.js';

const bench = (kerasJax: boolean): ReportBench => ({ source: 'bench/results/bench.json', data: benchFixture({ kerasJax }) });

/** The <svg>...</svg> of the figure with this id. */
function svgOf(html: string, figureId: string): string {
  const start = html.indexOf(`<figure class="plot${figureId.startsWith('perf-op') ? '' : ' wide'}" id="${figureId}">`);
  expect(start, figureId).to.be.greaterThan(-1);
  return html.slice(start, html.indexOf('</svg>', start) + 6);
}

/** Tick label -> position of an axis (`x` or `y`) of a chart's markup. */
function ticks(svg: string, axis: 'x' | 'y'): Map<string, number> {
  const start = svg.indexOf(`<g class="axis ${axis}">`);
  const group = svg.slice(start, svg.indexOf('</g>', start));
  const out = new Map<string, number>();
  const attr = axis === 'x' ? 'x' : 'y';
  for (const m of group.matchAll(new RegExp(`<text class="tick" x="([-\\d.]+)" y="([-\\d.]+)"[^>]*>([^<]+)</text>`, 'g'))) {
    out.set(m[3]!, Number(attr === 'x' ? m[1] : m[2]) - (axis === 'y' ? 3.5 : 0));
  }
  return out;
}

describe('chart scales', () => {
  it('puts log ticks at decades, evenly spaced, the domain snapped outward', () => {
    const s = autoScale([0.0173, 1581], [200, 0]);
    expect(s.log).to.equal(true);
    expect(s.ticks.map((t) => t.value)).to.deep.equal([0.01, 0.1, 1, 10, 100, 1000, 10000]);
    expect(s.ticks.map((t) => t.label)).to.deep.equal(['0.01', '0.1', '1', '10', '100', '1000', '10000']);
    const gaps = s.ticks.slice(1).map((t, i) => s.ticks[i]!.pos - t.pos);
    for (const g of gaps) expect(g).to.be.closeTo(200 / 6, 1e-9);
    // sqrt(10) lies halfway between 1 and 10 on a log axis.
    expect(s.map(Math.sqrt(10))).to.be.closeTo((s.map(1) + s.map(10)) / 2, 1e-9);
  });

  it('uses 1-2-5 ticks over two decades or less', () => {
    const s = autoScale([1.055, 30.17, OVERHEAD_TARGET.ratio], [0, 500]);
    expect(s.ticks.map((t) => t.value)).to.deep.equal([1, 2, 5, 10, 20, 50]);
    expect(s.map(10)).to.be.closeTo(500 / Math.log10(50), 1e-9);
    expect(s.map(1.05)).to.be.closeTo((500 * Math.log10(1.05)) / Math.log10(50), 1e-9);
  });

  it('lets a value just past a decade (2^20) stay in it; opens the next one further out', () => {
    expect(autoScale([4096, 1048576], [0, 1]).domain).to.deep.equal([1000, 1e6]);
    expect(autoScale([4096, 1.2e6], [0, 1]).domain).to.deep.equal([1000, 1e7]);
  });

  it('thins decade ticks over many decades, and is linear from 0 below a decade', () => {
    const wide = logScale(1e-6, 1e5, [0, 100]);
    expect(wide.ticks.length).to.be.at.most(8);
    expect(wide.ticks[0]!.value).to.equal(1e-6);
    const lin = autoScale([0.85, 1.1], [0, 100]);
    expect(lin.log).to.equal(false);
    expect(lin.ticks.map((t) => t.value)).to.deep.equal([0, 0.5, 1, 1.5]);
    expect(linearScale(0, 0, [0, 10]).domain).to.deep.equal([0, 1]);
    expect(() => logScale(0, 1, [0, 1])).to.throw(RangeError);
  });

  it('writes counts with metric suffixes', () => {
    expect([400, 1000, 4096, 262144, 1048576, 2e9].map(siCount)).to.deep.equal(['400', '1k', '4.1k', '262k', '1.05M', '2G']);
  });
});

describe('Performance section (HTML)', () => {
  const html = performanceSection(bench(true));
  const plain = performanceSection(bench(false));

  it('is absent without bench results', () => {
    expect(performanceSection(undefined)).to.equal('');
  });

  it('plots every op, each with every backend and Keras on JAX, a title, log axes, a legend and a table', () => {
    const ops = [...BENCH_OPS, EVIL_OP];
    ops.forEach((op, i) => {
      const svg = svgOf(html, `perf-op-${i}`);
      expect(svg).to.include(`<title id="perf-t${i}-t">`);
      expect(svg).to.include('median time per call');
      expect(svg).to.include('ms per call, log scale');
      expect(svg).to.include('input size (elements), log scale');
      for (const b of BENCH_BACKENDS) expect(svg, `${op} legend`).to.match(new RegExp(`<g class="legend-item">.*?>${b}</text>`));
      expect(svg).to.include('>Keras 3.6 (JAX)</text>');
      expect(svg.match(/<g class="line"/g)).to.have.length(BENCH_BACKENDS.length + 1);
      expect(svg).to.include('stroke-dasharray="6 3"'); // the Keras line
    });
    expect(html.match(/<figure class="plot" id="perf-op-\d+">/g)).to.have.length(ops.length);
    expect(html.match(/<table class="list perf-table">/g)).to.have.length(ops.length);
    expect(html).to.include('<caption>relu: median ms per call</caption>');
  });

  it('puts the y ticks of a time chart at decades, evenly spaced', () => {
    const y = ticks(svgOf(html, 'perf-op-0'), 'y');
    const labels = [...y.keys()];
    expect(labels.length).to.be.greaterThan(2);
    for (const l of labels) expect(Math.log10(Number(l)) % 1).to.be.closeTo(0, 1e-9);
    const pos = [...y.values()];
    const gaps = pos.slice(1).map((p, i) => pos[i]! - p);
    for (const g of gaps) expect(g).to.be.closeTo(gaps[0]!, 0.11);
  });

  it('draws the overhead target line at 1.05 on the ratio axis', () => {
    const svg = svgOf(html, 'perf-overhead-fig');
    const x = ticks(svg, 'x');
    expect([...x.keys()].slice(0, 3)).to.deep.equal(['1', '2', '5']);
    const [one, two] = [x.get('1')!, x.get('2')!];
    const line = /<g class="refline"><line x1="([\d.]+)"/.exec(svg);
    expect(line, 'target line').to.not.equal(null);
    expect(Number(line![1])).to.be.closeTo(one + (Math.log10(1.05) / Math.log10(2)) * (two - one), 0.15);
    expect(svg).to.include('>target 1.05×</text>');
    // One bar per overhead row; the one below target (1.02) and the others, each labelled.
    expect(svg.match(/<g class="bar">/g)).to.have.length(benchFixture().ratios.adapterOverhead.length);
    expect(svg).to.include('>1.020×</text>');
    expect(html).to.include('<td class="num">1.020×</td><td class="num">0.970–1.120×</td><td class="num">0.990×</td>');
    expect(html).to.match(/<span class="tag ok">met<\/span>/);
    expect(html).to.match(/<span class="tag failed">missed<\/span>/);
  });

  it('shows reference / tfjs-cpu with its target and a missing ratio as n/a', () => {
    const svg = svgOf(html, 'perf-refcpu-fig');
    expect(svg).to.include('>target ≤ 1×</text>');
    expect(svg).to.include('>0.850×</text>');
    expect(svg).to.include('>n/a<title>');
  });

  it('shows backend / Keras-on-JAX ratios when measured, says why not otherwise', () => {
    const svg = svgOf(html, 'perf-keras-fig');
    expect(svg).to.include('as fast as Keras 3.6 (JAX)');
    // reference, relu 1e3: 0.01 ms against Keras 0.02 ms.
    expect(svg).to.include('>0.500×</text>');
    expect(html).to.include('keras 3.6.0, jax 0.4.34');
    expect(plain).not.to.include('perf-keras');
    expect(plain).not.to.include('Keras 3.6 (JAX)</text>');
    expect(plain).to.include('Not measured: needs a Keras 3.6 oracle process (JAX backend); not measured');
  });

  it('names the Keras version of each op\'s line, and marks a ratio from another version than the first', () => {
    const perCase = performanceSection({ source: 'bench.json', data: benchFixture({ kerasJax: 'per case' }) });
    expect(svgOf(perCase, 'perf-op-0')).to.include('>Keras 3.6 (JAX)</text>');
    // ctc_loss, timed against Keras 3.15.1: its own chart names that version and marks nothing.
    const ctc = svgOf(perCase, 'perf-op-2');
    expect(ctc).to.include('>Keras 3.15 (JAX)</text>').and.not.include('Keras 3.6 (JAX)');
    expect(perCase).to.include('<th scope="col">Keras 3.15 (JAX)</th></tr></thead><tbody><tr><th scope="row"><code>B2 T20 C10 L5</code></th>');
    expect(perCase).to.include('<h3 class="perf-h">Against Keras 3.6 (JAX)</h3>');
    expect(perCase).to.include('(keras 3.6.0, jax 0.4.34; keras 3.15.1, jax 0.7.2)');
    expect(perCase).to.include('A time marked with another Keras version was timed against that version.');
    expect(svgOf(perCase, 'perf-keras-fig')).to.include('>B2 T20 C10 L5 (Keras 3.15.1)');
    expect(perCase).to.include('<td><code>B2 T20 C10 L5</code></td><td class="num">0.060 (Keras 3.15.1)</td>');
    expect(perCase).to.include('<td><code>1e3 elems</code></td><td class="num">0.020</td>');
    expect(html).not.to.include('A time marked');
  });

  it('marks skipped and missing times in the tables and says why', () => {
    expect(html).to.include('<td class="num muted" title="one call predicted ~3.1 s (&gt; 2 s cap) &lt;cap&gt;">skipped</td>');
    expect(html).to.include('<td class="num muted">not run</td>');
    expect(html).to.include('<li>reference, conv 1x128x128x64 k3x3x64x64: one call predicted ~3.1 s (&gt; 2 s cap) &lt;cap&gt;</li>');
  });

  it('has no NaN, undefined or null in the markup, and nothing on the network', () => {
    for (const page of [html, plain]) {
      expect(page).not.to.match(/NaN|undefined|Infinity|null/);
      expect(page).not.to.match(/https?:\/\//);
    }
  });

  it('escapes op names, sizes and reasons', () => {
    expect(html).not.to.include('<script>');
    expect(html).not.to.include('<b>size</b>');
    expect(html).to.include('evil&lt;script&gt;alert(&quot;op&quot;)&lt;/script&gt;&amp;&#39;: median time per call');
    expect(html).to.include('&lt;b&gt;size&lt;/b&gt; &amp; &quot;more&quot;');
  });
});

describe('Performance section (Markdown)', () => {
  it('lists the times, ratios and targets as tables', () => {
    const md = performanceMarkdown(bench(true));
    expect(md).to.match(/^## Performance\n/);
    expect(md).to.include('| op | size | elements | `reference` | `tfjs-cpu` | `tfjs-wasm` | `tfjs-tensorflow` | Keras 3.6 (JAX) |');
    expect(md).to.include('| `relu` | `1e3 elems` | 1k | 0.010 | 0.020 | 0.030 | 0.040 | 0.020 |');
    expect(md).to.include('| `conv` | `1x128x128x64 k3x3x64x64` | 1.05M | skipped |');
    expect(md).to.include('| `ctc_loss` | `B16 T200 C60 L50` | 192k | 1.44 | 2.88 | not run |');
    expect(md).to.include('| `relu` | `1048576 elems` | `tfjs-cpu` | 10.70 | 10.49 | 1.020× | 0.970–1.120× | 0.990× | 210 | met |');
    expect(md).to.include('| `maxPool` | `1x128x128x64 p2 s2` | `tfjs-cpu` | 126 | 10.49 | 12.0× | - | - |');
    expect(md).to.include('**missed**');
    expect(md).to.include('| `relu` | `1e3 elems` | 0.020 | 0.500× | 1.000× | 1.500× | 2.00× |');
    expect(md).not.to.match(/NaN|undefined|null/);
  });

  it('marks a Keras time from another version than the first, and names the versions that timed them', () => {
    const md = performanceMarkdown({ source: 'bench.json', data: benchFixture({ kerasJax: 'per case' }) });
    expect(md).to.include('| op | size | elements | `reference` | `tfjs-cpu` | `tfjs-wasm` | `tfjs-tensorflow` | Keras 3.6 (JAX) |');
    expect(md).to.include('| `relu` | `1e3 elems` | 1k | 0.010 | 0.020 | 0.030 | 0.040 | 0.020 |');
    expect(md).to.include('| `ctc_loss` | `B2 T20 C10 L5` | 400 | 0.010 | 0.020 | 0.030 | 0.040 | 0.060 (Keras 3.15.1) |');
    expect(md).to.include(
      'Timed by keras 3.6.0, jax 0.4.34; keras 3.15.1, jax 0.7.2. A time marked with another Keras version was timed against that version.',
    );
    expect(md).to.include('| `ctc_loss` | `B2 T20 C10 L5` | 0.060 (Keras 3.15.1) | 0.167× | 0.333× | 0.500× | 0.667× |');
    expect(md).to.include('| `relu` | `1e3 elems` | 0.020 | 0.500× | 1.000× | 1.500× | 2.00× |');
  });

  it('names the one Keras of a file from before per-case versions by the versions it records', () => {
    const data = benchFixture({ kerasJax: true });
    data.kerasJax.versions = BENCH_KERAS['3.15.1'];
    const md = performanceMarkdown({ source: 'bench.json', data });
    expect(md).to.include('### Against Keras 3.15 (JAX) (backend time / Keras time; below 1× is faster)');
    expect(md).to.include('Timed by keras 3.15.1, jax 0.7.2.');
    expect(md).not.to.include('(Keras 3.').and.not.include('A time marked');
  });

  it('says why Keras-on-JAX is missing', () => {
    const md = performanceMarkdown(bench(false));
    expect(md).to.include('Not measured: needs a Keras 3.6 oracle process');
    expect(md).not.to.include('| Keras 3.6 (JAX) |');
    expect(performanceMarkdown(undefined)).to.equal('');
  });
});

/** An AVX-512 machine without AMX or a GPU; `change` alters a copy. */
function machine(change: (m: MachineFacts) => void = () => {}): MachineFacts {
  const m: MachineFacts = {
    cpu: {
      model: 'AMD EPYC',
      vendor: 'AuthenticAMD',
      logicalCores: 2,
      availableCores: 2,
      isa: { avx2: true, avx512f: true, avx512_vnni: true, avx512_bf16: true, amx_tile: false, amx_int8: false, amx_bf16: false },
    },
    os: { platform: 'linux', arch: 'x64', release: '6.1.0' },
    node: 'v20.20.2',
    memoryMiB: 8000,
    variables: { TF_ENABLE_ONEDNN_OPTS: null, OMP_NUM_THREADS: null },
    gpu: { devices: [], note: 'no nvidia-smi', libraries: [] },
  };
  change(m);
  return m;
}

/** The bench fixture as run on `m`, tfjs-tensorflow with oneDNN on. */
function benchOn(m: MachineFacts): ReportBench {
  const data = benchFixture();
  data.environment.machine = m;
  data.environment.backends = data.environment.backends.map((b) =>
    b.name === 'tfjs-tensorflow' ? { ...b, settings: { oneDNN: 'on (TF_ENABLE_ONEDNN_OPTS unset)' } } : b,
  );
  return { source: 'bench/results/bench.json', data };
}

describe('Performance section: the bench machine', () => {
  const cpu = 'CPU: AMD EPYC (avx2 yes, avx512f yes, avx512_vnni yes, avx512_bf16 yes, amx no), 2 logical cores';
  const oneDnn = (state: string) => ({ name: 'tfjs-tensorflow', available: true, settings: { oneDNN: state } });
  const run = (m: MachineFacts, state = 'on (TF_ENABLE_ONEDNN_OPTS unset)'): RunConditions => ({ machine: m, backends: [oneDnn(state)] });

  it('shows the bench machine and its backend settings, the same as the conformance run\'s', () => {
    const md = performanceMarkdown(benchOn(machine()), run(machine()));
    expect(md).to.include("The bench ran under the conformance run's conditions: the same CPU, GPU, CUDA libraries, variables and backend settings.");
    expect(md).to.include(`- ${cpu}\n- GPU: none found (no nvidia-smi)\n`);
    expect(md).to.include('- tfjs-tensorflow: oneDNN on (TF_ENABLE_ONEDNN_OPTS unset)');
    const html = performanceSection(benchOn(machine()), run(machine()));
    expect(html).to.include(`<li>${cpu}</li>`);
    expect(html).to.include('<li>tfjs-tensorflow: oneDNN on (TF_ENABLE_ONEDNN_OPTS unset)</li>');
  });

  it('says, in bold, when the bench ran on another machine or with other settings, naming what differs', () => {
    const other = machine((m) => {
      m.cpu.model = 'Intel(R) Xeon(R) Platinum 8480+';
      m.variables.TF_ENABLE_ONEDNN_OPTS = '0';
    });
    const md = performanceMarkdown(benchOn(other), run(machine()));
    expect(md).to.include('**The bench ran under other conditions than the conformance run: CPU, variables that change numbers differ.**');
    expect(md).to.include('- variables that change numbers: TF_ENABLE_ONEDNN_OPTS=0; the others unset');
    expect(performanceSection(benchOn(other), run(machine()))).to.include(
      '<strong>The bench ran under other conditions than the conformance run: CPU, variables that change numbers differ.</strong>',
    );
    expect(performanceMarkdown(benchOn(machine()), run(machine(), 'off (TF_ENABLE_ONEDNN_OPTS=0)'))).to.include(
      '**The bench ran under other conditions than the conformance run: the settings of tfjs-tensorflow differ.**',
    );
  });

  it('reads a bench.json from before the machine facts, and a report without them', () => {
    const md = performanceMarkdown(bench(false), run(machine()));
    expect(md).to.include('bench.json records only its CPU model and count (a file from before the machine facts).');
    expect(md).to.include('- CPU: 2 \u00d7 Test CPU');
    expect(performanceMarkdown(benchOn(machine()))).to.include('The conformance run recorded no machine facts to compare with.');
  });

  it('checks the machine facts of a bench.json', () => {
    const data = benchOn(machine()).data;
    expect(parseBench(JSON.stringify(data), 'b.json')).to.deep.equal(data);
    const broken = JSON.parse(JSON.stringify(data)) as { environment: { machine: { cpu: { isa: unknown }; gpu: { devices: unknown[] } } } };
    broken.environment.machine.gpu.devices = [{ name: 'NVIDIA H200' }];
    expect(() => parseBench(JSON.stringify(broken), 'b.json')).to.throw(BenchFormatError, 'environment.machine.gpu.devices[0].driver must be a string, got nothing');
    broken.environment.machine.cpu.isa = 'avx2';
    expect(() => parseBench(JSON.stringify(broken), 'b.json')).to.throw(BenchFormatError, 'environment.machine.cpu.isa must be an object or null, got "avx2"');
  });
});

describe('bench.json reading', () => {
  const good = benchFixture({ kerasJax: true });
  const text = (change: (b: Record<string, unknown>) => void) => {
    const copy = JSON.parse(JSON.stringify(good)) as Record<string, unknown>;
    change(copy);
    return JSON.stringify(copy);
  };
  const fails = (t: string, message: string) => expect(() => parseBench(t, 'b.json')).to.throw(BenchFormatError, message);

  it('reads what the model describes', () => {
    expect(parseBench(JSON.stringify(good), 'b.json')).to.deep.equal(good);
  });

  it('reads each case\'s Keras version beside its time, and checks it', () => {
    const perCase = benchFixture({ kerasJax: 'per case' });
    expect(parseBench(JSON.stringify(perCase), 'b.json')).to.deep.equal(perCase);
    const cases = (b: Record<string, unknown>) => b.cases as Array<Record<string, unknown>>;
    fails(text((b) => (cases(b)[0]!.kerasVersion = 3.6)), 'b.json: cases[0].kerasVersion must be a string, got 3.6');
    fails(
      text((b) => {
        cases(b)[1]!.kerasVersion = '3.6.0';
        delete cases(b)[1]!.kerasJaxMs;
      }),
      'b.json: cases[1].kerasVersion needs a kerasJaxMs, got none',
    );
    fails(text((b) => ((b.kerasJax as Record<string, unknown>).byKeras = ['3.6.0'])), 'b.json: kerasJax.byKeras must be an object, got ["3.6.0"]');
  });

  it('refuses another schema, saying how to make a current file', () => {
    fails(text((b) => (b.schema = 'keras-parity-bench/1')), `b.json: schema is "keras-parity-bench/1", this keras-parity reads "${BENCH_SCHEMA}"; re-run \`npm run bench\``);
    fails('{"schema": ', 'b.json: not JSON');
    fails('[]', 'b.json: expected a JSON object, got []');
  });

  it('names the field and the value at fault', () => {
    fails(text((b) => ((b.results as Array<Record<string, unknown>>)[2]!.medianMs = 'fast')), 'b.json: results[2].medianMs must be a number or null, got "fast"');
    fails(text((b) => delete b.cases), 'b.json: cases must be an array, got nothing');
    fails(text((b) => ((b.cases as Array<Record<string, unknown>>)[0]!.elements = 0)), 'b.json: cases[0].elements must be positive, got 0');
    fails(text((b) => ((b.cases as Array<Record<string, unknown>>)[1]!.kerasJaxMs = -1)), 'cases[1].kerasJaxMs must be positive, got -1');
    fails(
      text((b) => (((b.ratios as Record<string, unknown[]>).adapterOverhead[0] as Record<string, unknown>).ratio = null)),
      'b.json: ratios.adapterOverhead[0].ratio must be a number, got null',
    );
    fails(text((b) => (((b.environment as Record<string, unknown[]>).backends[1] as Record<string, unknown>).available = 'yes')), 'environment.backends[1].available must be a boolean, got "yes"');
  });

  it('reads the gradient part where the file has one, and checks its rows', () => {
    const gradients = {
      cases: [{ op: 'softmax', size: '100x1000', elements: 1e5, kerasJaxMs: 0.4, kerasVersion: '3.6.0' }],
      results: [{ op: 'softmax', size: '100x1000', backend: 'reference', medianMs: 24 }, { op: 'conv', size: 'k3', backend: 'tfjs-cpu', medianMs: null, skipped: 'no rule' }],
      leaks: [],
    };
    const withGradients = { ...benchFixture(), gradients };
    expect(parseBench(JSON.stringify(withGradients), 'b.json')).to.deep.equal(withGradients);
    fails(text((b) => (b.gradients = { ...gradients, results: [{ ...gradients.results[0], medianMs: 'fast' }] })), 'b.json: gradients.results[0].medianMs must be a number or null, got "fast"');
    fails(text((b) => (b.gradients = { cases: [], results: [] })), 'b.json: gradients.leaks must be an array, got nothing');
  });
});

describe('keras-parity run --bench', function () {
  this.timeout(30_000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'keras-parity-bench-'));
    writeFileSync(join(tmp, 'bench.json'), JSON.stringify(benchFixture()));
    writeFileSync(join(tmp, 'old.json'), JSON.stringify({ ...benchFixture(), schema: 'keras-parity-bench/1' }));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));
  const silent = { write: () => true };

  it('embeds the bench results in report.json and renders them in report.md and report.html', async () => {
    const out = join(tmp, 'report');
    const result = await runParity({
      backends: ['reference'], ops: ['relu'], bench: join(tmp, 'bench.json'), out, stdout: null, stderr: silent, progress: 'none',
    });
    expect(result.files).to.have.length(3);
    const report = parseReport(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.bench!.data).to.deep.equal(benchFixture() satisfies BenchFile);
    expect(report.bench!.source).to.include('bench.json');
    expect(readFileSync(join(out, 'report.md'), 'utf8')).to.include('## Performance');
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).to.include('<section aria-labelledby="h-perf" id="performance">');
    expect(html).to.include('<a href="#performance">');
  });

  it('refuses a missing or malformed --bench file, and --bench with --no-bench', async () => {
    const load = (path: string) => () => loadBench(path, () => {});
    expect(load(join(tmp, 'nope.json'))).to.throw(UsageError, /--bench .*nope\.json: no such file \(`npm run bench` writes bench\/results\/bench\.json\)/);
    expect(load(join(tmp, 'old.json'))).to.throw(UsageError, /old\.json: schema is "keras-parity-bench\/1"/);
    expect(loadBench(null, () => {})).to.equal(undefined);
    let err = '';
    const code = await cli(['run', '--bench', 'x.json', '--no-bench'], { stdout: silent, stderr: { write: (s: string) => ((err += s), true) } });
    expect(code).to.equal(2);
    expect(err).to.include('--bench and --no-bench cannot both be given');
  });
});
