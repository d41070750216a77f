/**
 * The keras-parity command: run as a subprocess (exit codes, files, messages), and `runParity` in-process
 * with throwaway backends (spec/fixtures/cli-backends.ts). Every run is restricted with --op to stay fast.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { referenceAdapter } from '../adapters/reference/index.js';
import { startedInfo } from '../src/backend/registry.js';
import { chromiumMissing } from '../src/browser/node/chromium.js';
import { UsageError, parseOptions, type CommandSpec } from '../src/cli/args.js';
import { backendsTable, machineHeader } from '../src/cli/backends.js';
import { FUZZ } from '../src/cli/fuzz.js';
import { RUN, resolveOps, runParity } from '../src/cli/run.js';
import { registerBackend } from '../src/index.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { parseReport, stringifyReport, type ParityReport } from '../src/report/model.js';
import { machineFacts } from '../src/machine.js';
import registerFixtures from './fixtures/cli-backends.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/cli-backends.ts', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `keras-parity ...args` from the sources, as `node --import tsx src/cli/main.ts`; never a terminal. */
function keras(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const readReport = (dir: string): ParityReport => parseReport(readFileSync(join(dir, 'report.json'), 'utf8'));
const silent = { write: () => true };

// `npx keras-parity` in a clone runs package.json's bin itself, which the build must leave executable
// (tsc writes 0644; npm sets the mode only for the bins of packages it installs).
describe('the built bin', () => {
  const { bin } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  const main = join(ROOT, bin['keras-parity']);
  it(`${bin['keras-parity']} runs as npx runs it: executable, through its shebang`, function () {
    if (!existsSync(main)) this.skip(); // not built: `npm run build` (npm install runs it) makes it
    return new Promise<void>((done, fail) =>
      execFile(main, ['--help'], { cwd: ROOT }, (error, stdout) => {
        if (error) return fail(error);
        expect(stdout).to.match(/^Usage: keras-parity <command>/);
        done();
      }),
    );
  });
});

describe('keras-parity command', function () {
  this.timeout(60_000);
  let tmp: string;
  const runs: Record<string, Run> = {};

  // The subprocesses start together: each is mostly start-up time.
  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'keras-parity-cli-'));
    const noKeras = join(tmp, 'python-without-keras');
    writeFileSync(noKeras, '#!/bin/sh\necho \'{"python": "3.11.0", "packages": {}}\'\n');
    chmodSync(noKeras, 0o755);
    const extra = { KERAS_PARITY_EXTRA_BACKENDS: FIXTURES };
    const jobs: Record<string, Promise<Run>> = {
      help: keras(['--help']),
      runHelp: keras(['run', '--help']),
      none: keras([]),
      badFlag: keras(['run', '--bakend', 'reference']),
      badBackend: keras(['run', '--backend', 'refrence', '--op', 'relu', '--out', join(tmp, 'never')]),
      badOp: keras(['run', '--backend', 'reference', '--op', 'relu,convv']),
      ok: keras(['run', '--backend', 'reference', '--op', 'relu,swish', '--out', join(tmp, 'ok')]),
      newest: keras(['run', '--backend', 'reference', '--op', 'relu', '--keras', '3.15.1', '--out', join(tmp, 'newest'), '--junit', join(tmp, 'newest.xml')]),
      seedRelu: keras(['run', '--op', 'relu', '--keras', '3.6.0', '--backend', 'reference', '--out', join(tmp, 'seed')]),
      oneSet: keras(['run', '--backend', 'reference', '--op', 'relu', '--golden', join(ROOT, 'golden', 'keras-3.6.0'), '--out', join(tmp, 'one-set')]),
      noSet: keras(['run', '--backend', 'reference', '--op', 'relu', '--golden', join(ROOT, 'golden', 'keras-3.6.0'), '--keras', '3.15.1', '--out', join(tmp, 'never')]),
      badKeras: keras(['run', '--backend', 'reference', '--op', 'relu', '--keras', '3.7.0', '--out', join(tmp, 'never')]),
      opNotInVersion: keras(['run', '--backend', 'reference', '--op', 'celu', '--keras', '3.6.0', '--out', join(tmp, 'never')]),
      noGoldens: keras(['run', '--backend', 'reference', '--op', 'relu', '--golden', tmp, '--out', join(tmp, 'never')]),
      broken: keras(['run', '--backend', 'reference,cli-broken', '--op', 'relu', '--out', join(tmp, 'broken')], extra),
      labelled: keras(
        ['run', '--backend', 'reference,cli-broken', '--op', 'relu', '--label', 'ci test', '--junit', join(tmp, 'ci', 'junit.xml'), '--out', join(tmp, 'labelled')],
        extra,
      ),
      gradBroken: keras(
        ['run', '--backend', 'reference,cli-broken-grad', '--op', 'relu,one_hot', '--keras', '3.15.1', '--out', join(tmp, 'grad'), '--junit', join(tmp, 'grad.xml')],
        extra,
      ),
      noGrad: keras(['run', '--backend', 'cli-broken-grad', '--op', 'relu', '--keras', '3.15.1', '--no-grad', '--out', join(tmp, 'no-grad')], extra),
      gradBoth: keras(['run', '--backend', 'reference', '--op', 'relu', '--no-grad', '--grad-only', '--out', join(tmp, 'never')]),
      backends: keras(['backends'], extra),
      backendsJson: keras(['backends', '--json']),
      // --python names one version's environment: one --keras with it.
      noPython: keras(['golden', '--keras', '3.6.0', '--python', join(tmp, 'no-such-python')]),
      noKeras: keras(['golden', '--keras', '3.6.0', '--python', noKeras]),
      fuzzHelp: keras(['fuzz', '--help']),
      fuzzBadCases: keras(['fuzz', '--cases', 'many']),
      fuzzBadOp: keras(['fuzz', '--op', 'relu,sofmax']),
      fuzzBadBackend: keras(['fuzz', '--op', 'relu', '--backend', 'refrence']),
      fuzzGradSave: keras(['fuzz', '--grad', '--op', 'relu', '--save']),
      fuzzNoKeras: keras(['fuzz', '--op', 'relu', '--backend', 'reference', '--python', noKeras]),
      fuzzSettings: keras(['fuzz', '--op', 'relu', '--backend', 'tfjs-tensorflow', '--python', noKeras], { TF_ENABLE_ONEDNN_OPTS: '0' }),
    };
    for (const [name, job] of Object.entries(jobs)) runs[name] = await job;
  });

  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('--help lists the commands; run --help its options; no command is a usage error', () => {
    expect(runs.help.code).to.equal(0);
    expect(runs.help.stdout).to.match(/Usage: keras-parity <command>/);
    for (const command of ['run', 'backends', 'golden', 'fuzz']) expect(runs.help.stdout).to.match(new RegExp(`^  ${command} `, 'm'));
    expect(runs.runHelp.code).to.equal(0);
    for (const option of ['--keras VERSION', '--backend LIST', '--op LIST', '--require LIST', '--out DIR', '--label NAME', '--junit FILE', '--bench FILE', '--no-bench', '--no-grad', '--grad-only']) {
      expect(runs.runHelp.stdout).to.include(option);
    }
    expect(runs.runHelp.stdout).to.include('docs/report-format.md');
    expect(runs.runHelp.stdout).to.include('(default: bench/results/bench.json when it exists)');
    expect(runs.none.code).to.equal(2);
    expect(runs.none.stderr).to.match(/Usage: keras-parity <command>/);
  });

  it('exits 2 naming an unknown option, backend or op, with the closest known name', () => {
    expect(runs.badFlag.code).to.equal(2);
    expect(runs.badFlag.stderr).to.include("unknown option '--bakend' (did you mean --backend?)");
    expect(runs.badBackend.code).to.equal(2);
    expect(runs.badBackend.stderr).to.include("unknown backend 'refrence' (did you mean reference?)");
    expect(existsSync(join(tmp, 'never'))).to.equal(false);
    expect(runs.badOp.code).to.equal(2);
    expect(runs.badOp.stderr).to.include("unknown op 'convv' (did you mean conv?)");
  });

  it('run writes report.json, report.md and report.html, prints the summary and exits 0 when all pass', () => {
    const { code, stdout, stderr } = runs.ok;
    expect(code, stderr).to.equal(0);
    const dir = join(tmp, 'ok');
    const report = readReport(dir);
    expect(report.summary.ok).to.equal(true);
    expect(report.ops).to.deep.equal(['relu', 'silu']);
    expect(report.kerasVersions).to.deep.equal(['3.6.0', '3.15.1']);
    expect(report.cells.map((c) => [c.keras, c.op, c.backend, c.failed])).to.deep.equal([
      ['3.6.0', 'relu', 'reference', 0],
      ['3.6.0', 'silu', 'reference', 0],
      ['3.15.1', 'relu', 'reference', 0],
      ['3.15.1', 'silu', 'reference', 0],
    ]);
    expect(report.command).to.equal(`keras-parity run --backend reference --op relu,swish --out ${join(tmp, 'ok')}`);
    expect(report.environment.keras['3.6.0'].keras).to.equal('3.6.0');
    expect(report.environment.keras['3.15.1'].keras).to.equal('3.15.1');
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(md).to.include('**PASSED**').and.include('## Results: Keras 3.6.0').and.include('## Results: Keras 3.15.1');
    expect(md.indexOf('## Results: Keras 3.6.0')).to.be.below(md.indexOf('## Results: Keras 3.15.1'));
    // What changes numbers on this machine, in report.json and as lines of report.md's Environment.
    const machine = report.environment.machine!;
    expect(machine.cpu.logicalCores).to.be.greaterThan(0);
    expect(machine.variables).to.have.property('TF_ENABLE_ONEDNN_OPTS');
    expect(md).to.match(/^- CPU: .+ \((avx2 (yes|no), avx512f (yes|no), avx512_vnni (yes|no), avx512_bf16 (yes|no), amx (yes|no)|ISA features unknown.*)\), \d+ logical cores?/m);
    expect(md).to.match(/^- GPU: (none found \(.+\)|.+ \(driver .+\))/m);
    expect(md).to.match(/^- CUDA runtime \/ cuDNN: /m);
    expect(md).to.match(/^- variables that change numbers: /m);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).to.match(/^<!doctype html>/i);
    expect(html).to.include('>Keras 3.6.0</h3>').and.include('>Keras 3.15.1</h3>');
    expect(stdout).to.match(/^relu +\d+\/0\/0/m).and.to.include('PASSED');
    // Each version a section of the summary: its heading, its table, its counts.
    expect(stdout).to.match(/^Keras 3\.6\.0\nop +reference\nrelu +\d+\/0\/0.*\nsilu .*\nKeras 3\.6\.0: \d+ passed/m);
    expect(stdout).to.match(/^Keras 3\.15\.1\nop +reference\n/m).and.to.include('Keras 3.6.0 and 3.15.1)');
    // Not a terminal: plain progress lines, no bar, no colours.
    expect(stderr).to.include('reference relu:').and.include('Keras 3.15.1 · reference relu:').and.not.to.match(/\r|\x1b/);
    expect(stderr).to.match(/^Running \d+ golden cases of Keras 3\.6\.0 and \d+ of Keras 3\.15\.1, with \d+ gradient cases on 1 backend$/m);
  });

  it('run --keras runs the versions named: one version looks as before, its version in the headings', () => {
    const { code, stdout, stderr } = runs.newest;
    expect(code, stderr).to.equal(0);
    const report = readReport(join(tmp, 'newest'));
    expect(report.kerasVersions).to.deep.equal(['3.15.1']);
    expect(report.golden!.sets.map((s) => s.keras)).to.deep.equal(['3.15.1']);
    expect(new Set(report.results!.map((r) => r.keras))).to.deep.equal(new Set(['3.15.1']));
    expect(Object.keys(report.environment.keras)).to.deep.equal(['3.15.1']);
    expect(stdout).to.match(/^Keras 3\.15\.1\nop +reference\nrelu /m).and.not.include('Keras 3.6.0');
    const md = readFileSync(join(tmp, 'newest', 'report.md'), 'utf8');
    expect(md).to.include('## Results: Keras 3.15.1').and.not.include('Keras 3.6.0');
    expect(readFileSync(join(tmp, 'newest.xml'), 'utf8')).to.match(/<testsuite name="[^"]+ · reference · Keras 3\.15\.1"/);
    const seed = readReport(join(tmp, 'seed'));
    expect(runs.seedRelu.code, runs.seedRelu.stderr).to.equal(0);
    expect([seed.kerasVersions, seed.ops]).to.deep.equal([['3.6.0'], ['relu']]);
    expect(seed.results!.length).to.equal(report.results!.length);
  });

  it('run --golden reads one set (its manifest.json) or a folder of keras-<version>/ sets', () => {
    expect(runs.oneSet.code, runs.oneSet.stderr).to.equal(0);
    expect(readReport(join(tmp, 'one-set')).kerasVersions).to.deep.equal(['3.6.0']);
  });

  it('exits 2 on a --keras version without a golden set (naming the folder), an unsupported one, or an op none of them has', () => {
    expect(runs.noSet.code).to.equal(2);
    expect(runs.noSet.stderr).to.include(`run: --keras 3.15.1: no golden set of Keras 3.15.1 in ${join(ROOT, 'golden', 'keras-3.6.0')} (it has 3.6.0)`);
    expect(runs.badKeras.code).to.equal(2);
    expect(runs.badKeras.stderr).to.include("run: --keras takes 3.6.0, 3.15.1, not '3.7.0'");
    expect(runs.opNotInVersion.code).to.equal(2);
    expect(runs.opNotInVersion.stderr).to.include("run: op 'celu' is not in Keras 3.6.0 (it came in Keras 3.7)");
    expect(existsSync(join(tmp, 'never'))).to.equal(false);
  });

  it('exits 3 when the golden folder holds no golden set', () => {
    expect(runs.noGoldens.code).to.equal(3);
    expect(runs.noGoldens.stderr).to.include(`${tmp} holds no golden set (a manifest.json, or keras-<version>/ folders)`);
  });

  it('a broken backend (KERAS_PARITY_EXTRA_BACKENDS) fails its cells, lists its cases and exits 1', () => {
    const { code, stdout, stderr } = runs.broken;
    expect(code, stderr).to.equal(1);
    const report = readReport(join(tmp, 'broken'));
    expect(report.summary.ok).to.equal(false);
    const cell = report.cells.find((c) => c.backend === 'cli-broken')!;
    expect(cell.failed).to.be.greaterThan(0);
    expect(report.cells.find((c) => c.backend === 'reference')!.failed).to.equal(0);
    const failed = report.cases.find((c) => c.id === 'relu/f32-7' && c.backend === 'cli-broken')!;
    expect(failed).to.deep.include({ op: 'relu', status: 'failed', call: 'relu(<float32 (7,)>)' });
    expect(failed.outputs![0].maxAbs).to.be.closeTo(1, 1e-5);
    expect(failed.outputs![0].mismatches[0]).to.deep.include({ index: [0] });
    const md = readFileSync(join(tmp, 'broken', 'report.md'), 'utf8');
    expect(md).to.include('**FAILED**').and.to.include('### `relu/f32-7` on `cli-broken`');
    expect(md).to.include('## Failed cases: Keras 3.6.0').and.include('## Failed cases: Keras 3.15.1');
    expect(md).to.match(/\| `relu` \| ✅ \d+[^|]*\| ❌ \d+ of \d+ failed/);
    expect(stdout).to.include('FAILED');
    expect(stderr).to.include('FAIL relu/f32-7 [cli-broken, Keras 3.6.0]: output 0 differs from Keras');
  });

  it('run --label names the machine in the record; --junit writes a suite per backend, a testcase per case', () => {
    const { code, stdout } = runs.labelled;
    expect(code).to.equal(1);
    const report = readReport(join(tmp, 'labelled'));
    expect(report).to.deep.include({ format: 'keras-parity-report/3', label: 'ci test' });
    expect(report.argv).to.include.members(['--label', 'ci test']);
    expect(report.command).to.include("--label 'ci test'");
    const junit = readFileSync(join(tmp, 'ci', 'junit.xml'), 'utf8');
    expect(stdout).to.include('junit.xml');
    expect(junit.match(/<testsuite /g)).to.have.length(4);
    expect(junit).to.include('<testsuite name="ci test · cli-broken · Keras 3.6.0"').and.include('<testsuite name="ci test · cli-broken · Keras 3.15.1"');
    const results = [...report.results!, ...report.gradient!.results];
    expect(junit.match(/<testcase /g)).to.have.length(results.length);
    expect(junit.match(/<failure /g)).to.have.length(results.filter((r) => r.status === 'failed').length);
    expect(readFileSync(join(tmp, 'labelled', 'report.md'), 'utf8')).to.include('on `ci test`');
  });

  it('runs the gradient cases too: a broken backward rule fails the run and shows as failed in every output', () => {
    const { code, stdout, stderr } = runs.gradBroken;
    expect(code, stderr).to.equal(1);
    const report = readReport(join(tmp, 'grad'));
    // The forward cases all pass: only the gradient of relu on cli-broken-grad is wrong.
    expect(report.summary).to.deep.include({ failed: 0, ok: false });
    const g = report.gradient!;
    const cell = (op: string, backend: string) => g.cells.find((c) => c.op === op && c.backend === backend)!;
    expect(cell('relu', 'cli-broken-grad').failed).to.be.greaterThan(0);
    expect(cell('relu', 'reference')).to.deep.include({ failed: 0 });
    expect(cell('relu', 'reference').passed).to.be.greaterThan(0);
    // one_hot has no gradient in Keras (its outputs are integers): not applicable, on every backend.
    expect([cell('one_hot', 'reference').note, cell('one_hot', 'cli-broken-grad').note]).to.deep.equal(['not-applicable', 'not-applicable']);
    expect(g.summary.failed).to.equal(cell('relu', 'cli-broken-grad').failed);
    const failed = g.cases.find((c) => c.id === 'relu/f32-7' && c.backend === 'cli-broken-grad')!;
    expect(failed).to.deep.include({ op: 'relu', status: 'failed', call: 'relu(<float32 (7,)>)' });
    expect(failed.reason).to.equal("the gradient of x differs from jax.vjp's");

    const md = readFileSync(join(tmp, 'grad', 'report.md'), 'utf8');
    expect(md).to.include('**FAILED**').and.include('## Gradients: Keras 3.15.1');
    expect(md).to.include('## Failed gradient cases: Keras 3.15.1 (').and.include('### `relu/f32-7` on `cli-broken-grad`');
    expect(md).to.match(/\| `relu` \| ✅ \d+[^|]*\| ❌ \d+ of \d+ failed[^|]*\|\n\| `one_hot` \| n\/a \| n\/a \|/);
    const html = readFileSync(join(tmp, 'grad', 'report.html'), 'utf8');
    const gradHtml = html.slice(html.indexOf('id="gradient-heatmap"'), html.indexOf('id="h-details"'));
    expect(gradHtml).to.include('<td class="c fail">').and.include('aria-label="one_hot on reference, Keras 3.15.1: not applicable');
    expect(html).to.include('id="gradient-case-list"');
    const ids = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids.length - new Set(ids).size, 'element ids repeat').to.equal(0);
    expect(stdout).to.match(/^Keras 3\.15\.1 gradients$/m).and.to.match(/^one_hot +n\/a +n\/a$/m);
    expect(stdout).to.match(/FAILED: \d+ passed, 0 failed.*; gradients: \d+ passed, [1-9]\d* failed/);
    expect(stderr).to.include('FAIL relu/f32-7 (gradient) [cli-broken-grad, Keras 3.15.1]: the gradient of x differs');
    const junit = readFileSync(join(tmp, 'grad.xml'), 'utf8');
    expect(junit).to.include('<testcase classname="relu" name="relu/f32-7 [Keras 3.15.1] (gradient)"').and.include('<failure message="relu/f32-7 [Keras 3.15.1] (gradient): max abs 1');
  });

  it('run --no-grad leaves the gradient cases out; with --grad-only it is a usage error', () => {
    expect(runs.noGrad.code, runs.noGrad.stderr).to.equal(0);
    const report = readReport(join(tmp, 'no-grad'));
    expect(report).not.to.have.property('gradient');
    expect(readFileSync(join(tmp, 'no-grad', 'report.md'), 'utf8')).not.to.include('Gradients');
    expect(runs.gradBoth.code).to.equal(2);
    expect(runs.gradBoth.stderr).to.include('run: --grad-only and --no-grad cannot both be given');
  });

  it('backends lists every backend, available or not and why, with its device', () => {
    const { code, stdout } = runs.backends;
    expect(code).to.equal(0);
    expect(stdout).to.match(/^reference +available +CPU \(pure TypeScript/m);
    expect(stdout).to.match(/^cli-never +unavailable +this backend never starts/m);
    expect(stdout).to.match(/^tfjs-cpu /m);
    // The page backends too: started in headless Chromium, or unavailable saying why.
    for (const page of ['tfjs-webgl', 'tfjs-webgpu', 'tfjs-wasm']) {
      const line = new RegExp(`^chromium:${page} +(available +.*in headless Chromium.*|unavailable +.+)$`, 'm');
      expect(stdout).to.match(line);
    }
    if (process.env.KERAS_PARITY_REQUIRE_CHROMIUM === '1') expect(stdout).to.match(/^chromium:tfjs-webgl +available +WebGL 2/m);
    // Above the table, the machine: CPU with ISA features and cores, GPU, CUDA libraries, variables.
    expect(stdout).to.match(/^CPU: .+ \(.+\), \d+ logical cores?.*\nGPU: .+\nCUDA runtime \/ cuDNN: .+\nvariables that change numbers: .+\n/);
  });

  it('backends --json gives the machine and the backends', () => {
    const { code, stdout } = runs.backendsJson;
    expect(code).to.equal(0);
    const out = JSON.parse(stdout) as { machine: ReturnType<typeof machineFacts>; backends: Array<{ name: string; available: boolean }> };
    expect(out.machine.cpu.logicalCores).to.be.greaterThan(0);
    expect(out.machine.gpu.devices).to.be.an('array');
    expect(out.backends.find((b) => b.name === 'reference')).to.deep.include({ available: true });
  });

  it('backends prints each setting of a backend on its own line under it', () => {
    const table = backendsTable(
      [
        { name: 'reference', available: true, device: 'CPU' },
        { name: 'tfjs-tensorflow', available: true, device: 'CPU (TensorFlow)', settings: { oneDNN: 'on (TF_ENABLE_ONEDNN_OPTS=1)', 'intra-op threads': '2' } },
      ],
      false,
    );
    expect(table).to.equal(
      'reference        available    CPU\n' +
        'tfjs-tensorflow  available    CPU (TensorFlow)\n' +
        '                 oneDNN on (TF_ENABLE_ONEDNN_OPTS=1)\n' +
        '                 intra-op threads 2\n',
    );
    const header = machineHeader(machineFacts(), [{ name: 'chromium:tfjs-wasm', available: true, device: 'CPU (TF.js WebAssembly), in headless Chromium 156.0.8078.114' }]);
    expect(header).to.match(/^CPU: /).and.to.match(/\nChromium: 156\.0\.8078\.114\n$/);
  });

  it('fuzz: --help lists its options; bad options, ops and backends exit 2; no Keras exits 3 with the fix', () => {
    expect(runs.help.stdout).to.match(/^  fuzz /m);
    expect(runs.fuzzHelp.code).to.equal(0);
    for (const option of ['--op LIST', '--backend LIST', '--cases N', '--seed S', '--python PATH', '--save [NAME]', '--grad']) expect(runs.fuzzHelp.stdout).to.include(option);
    expect(runs.fuzzGradSave.code).to.equal(2);
    expect(runs.fuzzGradSave.stderr).to.include('fuzz: --grad --save takes the folder to write gradient cases to: --save DIR');
    expect(runs.fuzzBadCases.code).to.equal(2);
    expect(runs.fuzzBadCases.stderr).to.include("fuzz: --cases must be an integer, not 'many'");
    expect(runs.fuzzBadOp.code).to.equal(2);
    expect(runs.fuzzBadOp.stderr).to.include("unknown op 'sofmax' (did you mean softmax?)");
    expect(runs.fuzzBadBackend.code).to.equal(2);
    expect(runs.fuzzBadBackend.stderr).to.include("unknown backend 'refrence' (did you mean reference?)");
    expect(runs.fuzzNoKeras.code).to.equal(3);
    expect(runs.fuzzNoKeras.stderr).to.include('Keras is not installed').and.to.match(/-m pip install -r tools\/requirements\/keras-[\d.]+\.txt/);
    // A fuzz run says which setting of its host it ran under.
    expect(runs.fuzzSettings.stderr).to.include('tfjs-tensorflow: oneDNN off (TF_ENABLE_ONEDNN_OPTS=0)');
  });

  it('golden says how to install Python and Keras when they are missing (exit 3)', () => {
    expect(runs.noPython.code).to.equal(3);
    expect(runs.noPython.stderr).to.include('cannot run Python at').and.to.include('npm run golden:setup');
    expect(runs.noKeras.code).to.equal(3);
    expect(runs.noKeras.stderr).to.include('Keras is not installed').and.to.include('-m pip install -r tools/requirements/keras-3.6.0.txt');
    expect(runs.noKeras.stderr).to.include('npm run golden:setup');
  });
});

describe('runParity', () => {
  before(() => registerFixtures({ registerBackend }));

  const run = (options: Parameters<typeof runParity>[0]) =>
    runParity({ out: null, stdout: null, stderr: silent, progress: 'none', ops: ['relu'], ...options });

  it('fails the run when a required backend is unavailable (strict mode); skips it otherwise', async () => {
    const strict = await run({ backends: ['reference'], required: ['cli-never'] });
    expect(strict.exitCode).to.equal(1);
    expect(strict.report.summary).to.deep.include({ failed: 0, ok: false });
    expect(strict.report.backends.find((b) => b.name === 'cli-never')).to.deep.equal({
      name: 'cli-never',
      available: false,
      reason: 'this backend never starts (a CLI spec fixture)',
      required: true,
    });
    const lenient = await run({ backends: ['reference', 'cli-never'], keras: ['3.6.0'] });
    expect(lenient.exitCode).to.equal(0);
    expect(lenient.report.cells.map((c) => c.backend)).to.deep.equal(['reference']);
  });

  it('counts UnsupportedError apart: not a failure', async () => {
    const { exitCode, report } = await run({ backends: ['cli-unsupported'] });
    expect(exitCode).to.equal(0);
    const cell = report.cells[0];
    expect(cell).to.deep.include({ failed: 0, passed: 0, worst: null });
    expect(cell.unsupported).to.be.greaterThan(0);
  });

  it('reports a broken op in its cell, its cases and the Markdown', async () => {
    const { exitCode, report } = await run({ backends: ['cli-broken', 'reference'] });
    expect(exitCode).to.equal(1);
    const broken = report.cells.find((c) => c.backend === 'cli-broken')!;
    const failed = report.cases.filter((c) => c.backend === 'cli-broken' && c.keras === broken.keras && c.status === 'failed');
    expect(broken.failed).to.equal(failed.length);
    expect(broken.worst!.maxAbs).to.be.closeTo(1, 1e-5);
    expect(renderMarkdown(report)).to.include('## Failed cases');
  });

  it('counts the gradient cases of a backend without backward rules as unsupported, not failed', async () => {
    registerBackend('cli-no-rules', async () => ({ ...referenceAdapter, name: 'cli-no-rules', vjps: {} }));
    const { exitCode, report } = await run({ backends: ['cli-no-rules'], keras: ['3.15.1'] });
    expect(exitCode).to.equal(0);
    const [cell] = report.gradient!.cells;
    expect(cell).to.deep.include({ op: 'relu', note: 'no-rule', passed: 0, failed: 0 });
    const results = report.gradient!.results;
    expect(cell.unsupported).to.equal(results.length).and.be.greaterThan(0);
    expect(results.every((r) => r.status === 'unsupported' && r.reason === 'no backward rule for relu on cli-no-rules yet')).to.equal(true);
    expect(renderMarkdown(report)).to.include('| `relu` | ⚪ unsupported (no backward rule) |');
  });

  it('--grad-only runs the gradient cases alone; a version without a gradient set has none', async () => {
    const { exitCode, report } = await run({ backends: ['reference'], gradOnly: true });
    expect(exitCode).to.equal(0);
    expect([report.cells, report.results]).to.deep.equal([[], []]);
    expect(report.gradient!.only).to.equal(true);
    expect(report.gradient!.cells.map((c) => [c.keras, c.op, c.failed, c.passed > 0])).to.deep.equal([
      ['3.6.0', 'relu', 0, true],
      ['3.15.1', 'relu', 0, true],
    ]);
    const md = renderMarkdown(report);
    expect(md).to.match(/^\*\*PASSED\*\*: gradients: \d+ passed/m).and.include('## Gradients: Keras 3.6.0').and.not.include('## Results');
    // One forward set named by --golden: no grad/ beside it, so no gradients, and --grad-only cannot run.
    const oneSet = await run({ backends: ['reference'], goldenDir: join(ROOT, 'golden', 'keras-3.6.0') });
    expect(oneSet.report).not.to.have.property('gradient');
    await run({ backends: ['reference'], goldenDir: join(ROOT, 'golden', 'keras-3.6.0'), gradOnly: true }).then(
      () => expect.fail('--grad-only ran without a gradient set'),
      (e: Error) => expect(e.message).to.match(/^run: --grad-only: no gradient set of Keras 3\.6\.0 in /),
    );
  });

  it('runs the Chromium backends by their chromium: names (tfjs-webgl alone too), with Chromium in the environment', async function () {
    if (chromiumMissing()) {
      if (process.env.KERAS_PARITY_REQUIRE_CHROMIUM === '1') throw new Error(chromiumMissing()!);
      this.skip();
    }
    this.timeout(120_000);
    const { exitCode, report } = await run({ backends: ['reference', 'chromium:tfjs-wasm', 'tfjs-webgl'], ops: ['relu', 'softmax'] });
    expect(exitCode).to.equal(0);
    expect(report.backends.map((b) => [b.name, b.available])).to.deep.equal([
      ['reference', true],
      ['chromium:tfjs-wasm', true],
      ['chromium:tfjs-webgl', true],
    ]);
    expect(report.backends[2].device).to.match(/^WebGL 2: .*, in headless Chromium [\d.]+$/);
    expect(report.environment.chromium).to.match(/^\d+\.\d+\.\d+\.\d+$/);
    // Each version's cases found in the page and replayed there with that version's ops.
    expect(report.cells.filter((c) => c.backend === 'chromium:tfjs-webgl').map((c) => [c.keras, c.op, c.failed, c.passed > 0])).to.deep.equal([
      ['3.6.0', 'relu', 0, true],
      ['3.6.0', 'softmax', 0, true],
      ['3.15.1', 'relu', 0, true],
      ['3.15.1', 'softmax', 0, true],
    ]);
    // The gradient cases too, in the page: each passes, or its op has no backward rule there yet.
    const pages = report.gradient!.cells.filter((c) => c.backend.startsWith('chromium:'));
    expect(pages).to.have.length(8);
    for (const c of pages) expect(c.failed === 0 && (c.passed > 0 || c.note === 'no-rule'), JSON.stringify(c)).to.equal(true);
    expect(pages.some((c) => c.passed > 0)).to.equal(true);
  });

  it('lists a Chromium backend as unavailable without Chromium, and fails the run when it is required', async () => {
    const saved = process.env.KERAS_PARITY_CHROMIUM;
    process.env.KERAS_PARITY_CHROMIUM = '/nonexistent/chromium';
    try {
      const lenient = await run({ backends: ['reference', 'chromium:tfjs-webgpu'] });
      expect(lenient.exitCode).to.equal(0);
      const webgpu = lenient.report.backends.find((b) => b.name === 'chromium:tfjs-webgpu')!;
      expect(webgpu).to.deep.include({ available: false, required: false });
      expect(webgpu.reason).to.equal('headless Chromium did not start: /nonexistent/chromium does not exist: install Debian\'s chromium (apt-get install -y chromium)');
      const strict = await run({ backends: ['reference'], required: ['tfjs-webgpu'] });
      expect(strict.exitCode).to.equal(1);
      expect(strict.report.backends.map((b) => [b.name, b.available, b.required])).to.deep.equal([
        ['reference', true, false],
        ['chromium:tfjs-webgpu', false, true],
      ]);
    } finally {
      if (saved === undefined) delete process.env.KERAS_PARITY_CHROMIUM;
      else process.env.KERAS_PARITY_CHROMIUM = saved;
    }
  });

  it('records a backend\'s settings in report.json and report.md', async () => {
    const settings = { oneDNN: 'off (a CLI spec setting)' };
    registerBackend('cli-settings', async () => ({ ...referenceAdapter, name: 'cli-settings', settings }));
    const { exitCode, report } = await run({ backends: ['cli-settings', 'reference'] });
    expect(exitCode).to.equal(0);
    expect(report.backends.map((b) => b.settings)).to.deep.equal([settings, undefined]);
    expect(renderMarkdown(report)).to.include('- `cli-settings`: oneDNN off (a CLI spec setting)\n');
    expect(startedInfo({ ...referenceAdapter, settings: {} })).not.to.have.property('settings');
  });

  it('accepts Keras names, aliases and camelCase op names; rejects others', () => {
    expect(resolveOps(['relu', 'swish', 'averagePool', 'hard_swish'])).to.deep.equal(['relu', 'silu', 'average_pool', 'hard_silu']);
    expect(() => resolveOps(['softmaxx'])).to.throw(UsageError, "unknown op 'softmaxx' (did you mean softmax?)");
  });
});

describe('command-line parsing', () => {
  const spec: CommandSpec = RUN;

  it('reads lists (comma-separated or repeated), values with = or a space, and flags', () => {
    const p = parseOptions(['--op', 'conv,softmax', '--op=relu', '--out=x', '--backend', 'reference', '--help'], spec);
    expect(p.values).to.deep.equal({ op: ['conv', 'softmax', 'relu'], out: 'x', backend: ['reference'] });
    expect(p.help).to.equal(true);
  });

  it('reads an option whose value may be left out (fuzz --save [NAME])', () => {
    expect(parseOptions(['--save', '--seed', '3'], FUZZ).values).to.deep.equal({ save: true, seed: '3' });
    expect(parseOptions(['--save'], FUZZ).values).to.deep.equal({ save: true });
    expect(parseOptions(['--save', 'relu-big', '--seed=3'], FUZZ).values).to.deep.equal({ save: 'relu-big', seed: '3' });
    expect(parseOptions(['--save=x'], FUZZ).values).to.deep.equal({ save: 'x' });
  });

  it('rejects a missing value, a bad choice and a stray argument', () => {
    expect(() => parseOptions(['--out'], spec)).to.throw(UsageError, '--out needs a value (DIR)');
    expect(() => parseOptions(['--progress', 'fancy'], spec)).to.throw(UsageError, '--progress must be one of auto, bar, lines, none');
    expect(() => parseOptions(['conv'], spec)).to.throw(UsageError, "unexpected argument 'conv'");
  });
});

describe('report.json', () => {
  it('keeps Infinity and NaN through JSON', () => {
    const report = {
      format: 1,
      cases: [
        {
          id: 'x/y',
          reason: 'NaN',
          outputs: [{ maxAbs: NaN, maxRel: Infinity, maxUlp: 3, mismatches: [{ index: [0], got: -Infinity, want: 0 }] }],
        },
      ],
    } as unknown as ParityReport;
    const back = parseReport(stringifyReport(report));
    expect(back.cases[0].reason).to.equal('NaN');
    const o = back.cases[0].outputs![0];
    expect([o.maxAbs, o.maxRel, o.maxUlp, o.mismatches[0].got]).to.deep.equal([NaN, Infinity, 3, -Infinity]);
  });
});
