/**
 * `keras-parity merge` and `keras-parity compare`: real reports made in-process (runParity on relu with the
 * reference backend and the throwaway cli-broken one, its relu off by one, and cli-broken-grad, its relu's
 * gradient off by one; every Keras version with goldens, and one of 3.6.0 alone), merged and compared as
 * functions, then the two commands as subprocesses (exit codes, files written).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'chai';
import { runParity } from '../src/cli/run.js';
import { registerBackend } from '../src/index.js';
import { compareReports } from '../src/report/compare.js';
import { renderHtml } from '../src/report/html.js';
import { renderJunit } from '../src/report/junit.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { MergeError, machineDisagreements, mergeReports } from '../src/report/merge.js';
import { parseReport, stringifyReport, type ParityReport, type ReportResult } from '../src/report/model.js';
import registerFixtures from './fixtures/cli-backends.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const schema = JSON.parse(readFileSync(join(ROOT, 'docs/report.schema.json'), 'utf8')) as object;
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

async function run(label: string, backend: string, keras?: string[]): Promise<ParityReport> {
  const result = await runParity({
    backends: [backend],
    ops: ['relu'],
    label,
    ...(keras ? { keras } : {}),
    out: null,
    bench: null,
    stdout: null,
    stderr: { write: () => true },
    progress: 'none',
  });
  return result.report;
}

/** The report with one version's golden set replaced: another generation of its goldens. */
function otherGoldens(report: ParityReport, keras: string, sha: string): ParityReport {
  const sets = report.golden!.sets.map((s) => (s.keras === keras ? { ...s, manifestSha256: sha } : s));
  return { ...report, golden: { manifestSha256: sha, sets } };
}

/** The report as if its backend were called `name`: box-b's "reference" gives cli-broken's numbers. */
function renamed(report: ParityReport, from: string, name: string): ParityReport {
  const swap = <T extends { backend: string }>(x: T): T => (x.backend === from ? { ...x, backend: name } : x);
  const g = report.gradient!;
  return {
    ...report,
    backends: report.backends.map((b) => (b.name === from ? { ...b, name } : b)),
    cells: report.cells.map(swap),
    cases: report.cases.map(swap),
    results: report.results!.map(swap),
    gradient: { ...g, cells: g.cells.map(swap), cases: g.cases.map(swap), results: g.results.map(swap) },
  };
}

/** The report with only the forward and gradient results `keep` keeps: a shard's part of it. */
function part(report: ParityReport, keep: (r: ReportResult, i: number) => boolean): ParityReport {
  return { ...report, results: report.results!.filter(keep), gradient: { ...report.gradient!, results: report.gradient!.results.filter(keep) } };
}

const copy = (r: ParityReport): ParityReport => parseReport(stringifyReport(r));

describe('merge and compare', function () {
  this.timeout(60_000);
  let a: ParityReport;
  let b: ParityReport;
  /** box-c ran Keras 3.6.0 alone. */
  let c: ParityReport;
  /** box-d's "reference" gives cli-broken-grad's numbers: its forward relu right, its gradient off by one. */
  let d: ParityReport;

  before(async () => {
    registerFixtures({ registerBackend });
    a = await run('box-a', 'reference');
    b = renamed(await run('box-b', 'cli-broken'), 'cli-broken', 'reference');
    c = await run('box-c', 'reference', ['3.6.0']);
    d = renamed(await run('box-d', 'cli-broken-grad'), 'cli-broken-grad', 'reference');
  });

  describe('mergeReports', () => {
    it('makes columns machine x backend, keeps each machine, and validates against the schema', () => {
      const merged = mergeReports([{ report: a, file: 'a.json' }, { report: b, file: 'b.json' }]);
      expect(merged.backends.map((x) => x.name)).to.deep.equal(['box-a · reference', 'box-b · reference']);
      expect(merged.results).to.have.length(a.results!.length + b.results!.length);
      expect(merged.sources!.map((s) => [s.label, s.file])).to.deep.equal([['box-a', 'a.json'], ['box-b', 'b.json']]);
      expect(merged.summary.ok).to.equal(false);
      expect(validate(JSON.parse(stringifyReport(merged))), JSON.stringify(validate.errors)).to.equal(true);
    });

    it('finds where the machines disagree on the same backend and case, in report.md and report.html', () => {
      const merged = mergeReports([{ report: a, file: 'a.json' }, { report: b, file: 'b.json' }]);
      const list = machineDisagreements(merged);
      expect(list.length).to.be.greaterThan(0);
      expect(list[0].backend).to.equal('reference');
      expect(new Set(list.map((d) => d.keras))).to.deep.equal(new Set(a.kerasVersions));
      expect(list[0].results.map((r) => r.label)).to.deep.equal(['box-a', 'box-b']);
      const md = renderMarkdown(merged);
      expect(md).to.include(`## Where machines disagree (${list.length})`).and.include('### `box-b` (b.json)');
      expect(renderHtml(merged)).to.include('id="machine-disagreements"').and.include('c fail disagree');
      expect(renderJunit(merged)).to.include('box-a · reference').and.include('<failure');
    });

    it('counts a gap in errors as a disagreement only when it passes the tolerance both absolutely and relatively', () => {
      // box-e is box-a with one passing case's errors moved: the rule reads only maxAbs, maxRel and the tolerance.
      const i = a.results!.findIndex((r) => r.status === 'passed' && r.tolerance);
      const { atol, rtol } = a.results![i].tolerance!;
      const moved = (maxAbs: number, maxRel: number): ParityReport => ({
        ...copy(a),
        label: 'box-e',
        results: a.results!.map((r, j) => (j === i ? { ...r, maxAbs: (r.maxAbs ?? 0) + maxAbs, maxRel: (r.maxRel ?? 0) + maxRel } : r)),
      });
      const found = (e: ParityReport) =>
        machineDisagreements(mergeReports([{ report: a, file: 'a.json' }, { report: e, file: 'e.json' }])).map((d) => d.id);
      // One ulp apart at 3e38: 2e31 absolutely, a relative gap far below rtol.
      expect(found(moved(2e31, rtol / 10))).to.deep.equal([]);
      expect(found(moved(atol / 10, 1))).to.deep.equal([]);
      expect(found(moved(2 * atol, 2 * rtol))).to.deep.equal([a.results![i].id]);
    });

    it('merges shards of one run into one column, and refuses the same case twice', () => {
      const half = (r: ParityReport, keep: number) => part(r, (_, i) => i % 2 === keep);
      const shards = mergeReports([{ report: half(a, 0), file: 's0.json' }, { report: half(a, 1), file: 's1.json' }]);
      expect(shards.backends.map((x) => x.name)).to.deep.equal(['box-a · reference']);
      expect(shards.results).to.have.length(a.results!.length);
      expect(shards.gradient!.results).to.have.length(a.gradient!.results.length);
      // A gradient case twice is refused as a forward one is.
      const gradients = (keep: (r: ReportResult) => boolean) => ({ ...part(a, keep), results: [] });
      expect(() => mergeReports([{ report: gradients(() => true), file: 'x.json' }, { report: gradients((r) => r.id.endsWith('-7')), file: 'y.json' }])).to.throw(
        MergeError,
        /x\.json and y\.json both ran relu\/f32-7 \(gradient\)/,
      );
      expect(() => mergeReports([{ report: a, file: 'x.json' }, { report: a, file: 'y.json' }])).to.throw(MergeError, /x\.json and y\.json both ran/);
    });

    it('names a tfjs-node-gpu column `(CUDA)`, apart from the same backend on a CPU', () => {
      const onGpu = (r: ParityReport, label: string): ParityReport => ({
        ...r,
        label,
        backends: r.backends.map((x) => ({ ...x, device: 'GPU (TensorFlow 2.9.1 C library via tfjs-node-gpu)' })),
      });
      const merged = mergeReports([{ report: a, file: 'a.json' }, { report: onGpu(a, 'gpu-runner'), file: 'gpu.json' }]);
      expect(merged.backends.map((x) => x.name)).to.deep.equal(['box-a · reference', 'gpu-runner · reference (CUDA)']);
      expect(new Set(merged.results!.map((r) => r.backend))).to.deep.equal(new Set(['box-a · reference', 'gpu-runner · reference (CUDA)']));
      expect(merged.sources![1].backends).to.deep.equal(['reference (CUDA)']);
      expect(compareReports(merged, copy(merged)).changes).to.deep.equal([]);
    });

    it('refuses reports of different golden sets of one Keras version unless asked', () => {
      const other = otherGoldens(b, '3.15.1', 'f'.repeat(64));
      const inputs = [{ report: a, file: 'a.json' }, { report: other, file: 'b.json' }];
      expect(() => mergeReports(inputs)).to.throw(MergeError, /different golden sets of Keras 3\.15\.1.*--allow-mixed-goldens/s);
      expect(mergeReports(inputs, { allowMixedGoldens: true }).sources![1].golden!.sets[1].manifestSha256).to.equal('f'.repeat(64));
    });

    it('merges a run of one Keras version with a run of two: each version its own cells, its golden set once', () => {
      const merged = mergeReports([{ report: a, file: 'a.json' }, { report: c, file: 'c.json' }]);
      expect(merged.kerasVersions).to.deep.equal(a.kerasVersions);
      expect(merged.golden!.sets).to.deep.equal(a.golden!.sets);
      expect(merged.golden!.manifestSha256).to.equal(a.golden!.manifestSha256);
      expect(Object.keys(merged.environment.keras)).to.deep.equal(a.kerasVersions);
      expect(merged.cells.map((x) => `${x.keras} ${x.backend}`)).to.deep.equal([
        ...a.kerasVersions.map((v) => `${v} box-a · reference`),
        '3.6.0 box-c · reference',
      ]);
      expect(validate(JSON.parse(stringifyReport(merged))), JSON.stringify(validate.errors)).to.equal(true);
      const md = renderMarkdown(merged);
      expect(md).to.include('## Results: Keras 3.15.1').and.include('## Results: Keras 3.6.0');
      // box-c did not run 3.15.1: its column there is `not run`, and JUnit has no suite for it.
      expect(md).to.match(/## Results: Keras 3\.15\.1[^#]*\| `relu` \| ✅ \d+[^|]*\| not run \|/);
      expect(renderJunit(merged)).to.include('box-c · reference · Keras 3.6.0').and.not.include('box-c · reference · Keras 3.15.1');
      const other = otherGoldens(c, '3.6.0', 'e'.repeat(64));
      expect(() => mergeReports([{ report: a, file: 'a.json' }, { report: other, file: 'c.json' }])).to.throw(MergeError, /Keras 3\.6\.0/);
    });

    it('keeps the same case id of two Keras versions apart: a case twice is (version, column, id) twice', () => {
      const ids = a.results!.filter((r) => r.keras === '3.6.0').map((r) => r.id);
      const newer = part(a, (r) => r.keras !== '3.6.0');
      const older = part(a, (r) => r.keras === '3.6.0');
      const merged = mergeReports([{ report: older, file: 'old.json' }, { report: newer, file: 'new.json' }]);
      expect(merged.results).to.have.length(a.results!.length);
      expect(ids.every((id) => merged.results!.some((r) => r.id === id && r.keras !== '3.6.0'))).to.equal(true);
    });
  });

  describe('compareReports', () => {
    it('names the case made to fail, matching single-machine reports by backend', () => {
      const c = compareReports(a, b);
      expect(c.regressions).to.be.greaterThan(0);
      const failing = c.changes.filter((x) => x.kind === 'failing');
      expect(failing[0]).to.include({ keras: '3.6.0', column: 'reference', base: 'passed', head: 'failed' });
      expect(new Set(failing.map((x) => x.keras))).to.deep.equal(new Set(a.kerasVersions));
      expect(failing[0].id).to.match(/^relu\//);
      expect(compareReports(b, a).changes.every((x) => x.kind === 'fixed')).to.equal(true);
    });

    it('finds nothing between identical reports', () => {
      const c = compareReports(a, copy(a));
      expect(c).to.include({ regressions: 0, compared: a.results!.length + a.gradient!.results.length });
      expect(c.changes).to.deep.equal([]);
    });

    it('lets errors move within the threshold, and flags growth beyond it', () => {
      const i = a.results!.findIndex((r) => r.status === 'passed' && r.maxUlp !== undefined);
      const moved = (ulp: number) => {
        const head = copy(a);
        Object.assign(head.results![i], { maxUlp: (a.results![i].maxUlp ?? 0) + ulp, maxAbs: 2e-6 });
        return compareReports(a, head);
      };
      expect(moved(3).changes).to.deep.equal([]);
      expect(moved(100).changes.map((x) => x.kind)).to.deep.equal(['error-growth']);
      expect(compareReports(a, copy(a), { maxUlpGrowth: 1000 }).regressions).to.equal(0);
    });

    it('reports a backend that no longer ran, in each version', () => {
      const head = { ...copy(a), results: [] };
      expect(compareReports(a, head).changes).to.deep.equal(a.kerasVersions.map((keras) => ({ kind: 'backend-gone', keras, column: 'reference' })));
    });

    it('compares a run of one Keras version with a run of two: the version gone is a backend gone, a new one is not compared', () => {
      const one = compareReports(c, a);
      const compared = c.results!.length + c.gradient!.results.length;
      expect(one).to.include({ regressions: 0, goldenChanged: false, compared });
      const gone = compareReports(a, c);
      expect(gone.compared).to.equal(compared);
      const why = { kind: 'backend-gone', keras: '3.15.1', column: 'reference', reason: 'Keras 3.15.1 did not run (run --keras)' };
      expect(gone.changes).to.deep.equal([why, { ...why, gradient: true }]);
      expect(compareReports(otherGoldens(c, '3.6.0', 'e'.repeat(64)), a).goldenChanged).to.equal(true);
      expect(compareReports(otherGoldens(a, '3.15.1', 'e'.repeat(64)), c).goldenChanged).to.equal(false);
    });
  });

  describe('gradients', () => {
    it('merge keeps both machines\' gradient results, each in its column, and every output shows them', () => {
      const merged = mergeReports([{ report: a, file: 'a.json' }, { report: d, file: 'd.json' }]);
      const g = merged.gradient!;
      expect(g.results).to.have.length(a.gradient!.results.length + d.gradient!.results.length);
      expect(new Set(g.cells.map((x) => x.backend))).to.deep.equal(new Set(['box-a · reference', 'box-d · reference']));
      expect(g.summary.failed).to.equal(d.gradient!.summary.failed).and.be.greaterThan(0);
      expect(merged.summary).to.deep.include({ failed: 0, ok: false });
      expect(validate(JSON.parse(stringifyReport(merged))), JSON.stringify(validate.errors)).to.equal(true);
      expect(renderMarkdown(merged)).to.match(/## Gradients: Keras 3\.6\.0[^#]*\| op \| `box-a · reference` \| `box-d · reference` \|\n\|---\|---\|---\|\n\| `relu` \| ✅ \d+ [^|]*\| ❌ \d+ of \d+ failed/);
      const html = renderHtml(merged);
      expect(html.slice(html.indexOf('id="gradient-heatmap"'))).to.include('<td class="c fail');
      expect(renderJunit(merged)).to.match(/name="relu\/f32-7 \[Keras 3\.6\.0\] \(gradient\)" time="[\d.]+">\s*<failure/);
    });

    it('finds where the machines disagree on a case\'s gradients, marked (gradient), apart from its forward result', () => {
      const merged = mergeReports([{ report: a, file: 'a.json' }, { report: d, file: 'd.json' }]);
      const list = machineDisagreements(merged);
      // box-d's forward relu is box-a's (the same reference kernel): only the gradients whose status differs disagree.
      const statusOf = (r: ParityReport, x: ReportResult) => r.gradient!.results.find((y) => y.keras === x.keras && y.id === x.id)!.status;
      const differ = a.gradient!.results.filter((x) => statusOf(d, x) !== x.status);
      expect(differ).to.not.be.empty;
      expect(list.map((x) => `${x.keras} ${x.id} ${x.gradient}`)).to.deep.equal(differ.map((x) => `${x.keras} ${x.id} true`));
      const first = list[0];
      expect(first).to.deep.include({ backend: 'reference', op: 'relu' });
      expect(first.results.map((m) => [m.label, m.status])).to.deep.equal([['box-a', 'passed'], ['box-d', 'failed']]);

      const md = renderMarkdown(merged);
      expect(md).to.include(`## Where machines disagree (${differ.length})`).and.include('a case marked (gradient)');
      expect(md).to.include(`| \`${first.id}\` (gradient) | Keras ${first.keras} | \`reference\` | \`box-a\`: passed`);
      const html = renderHtml(merged);
      const table = html.slice(html.indexOf('id="machine-disagreements"'));
      expect(table).to.include(`<tr><td><code>${first.id}</code> (gradient)</td><td>${first.keras}</td>`);
      // The dashed frame is on the gradient heatmap's cells, not on the forward ones, which agree.
      expect(html.slice(html.indexOf('id="gradient-heatmap"'), html.indexOf('id="h-machines"'))).to.include('c fail disagree');
      const forward = html.slice(html.indexOf('id="heatmap"'), html.indexOf('id="gradient-heatmap"'));
      expect(forward).to.include('<td class="c ').and.not.include(' disagree"');
    });

    it('compare flags a gradient that regresses, apart from the forward results, and none where a report has no gradients', () => {
      const worse = compareReports(a, d);
      expect(worse.regressions).to.be.greaterThan(0);
      expect(worse.changes.every((x) => x.gradient === true && x.kind === 'failing')).to.equal(true);
      expect(worse.changes[0]).to.include({ column: 'reference', base: 'passed', head: 'failed', reason: "the gradient of x differs from jax.vjp's" });
      expect(compareReports(d, a).changes.every((x) => x.kind === 'fixed' && x.gradient)).to.equal(true);
      const { gradient: _gradient, ...forwardOnly } = d;
      expect(compareReports(a, forwardOnly)).to.include({ regressions: 0, compared: a.results!.length });
      expect(renderMarkdown({ ...d, baseline: { file: 'a.json', generatedAt: a.generatedAt, ...worse } })).to.match(/\| newly failing \| `relu\/[^`]+` \(gradient\) \|/);
    });
  });

  describe('the commands', () => {
    let tmp: string;
    const files: Record<string, string> = {};
    before(() => {
      tmp = mkdtempSync(join(tmpdir(), 'keras-parity-merge-'));
      const write = (name: string, r: ParityReport) => writeFileSync((files[name] = join(tmp, `${name}.json`)), stringifyReport(r));
      write('a', a);
      write('b', b);
      write('c', c);
      write('d', d);
      write('mixed', otherGoldens(b, '3.6.0', '0'.repeat(64)));
    });
    after(() => rmSync(tmp, { recursive: true, force: true }));

    it('merge writes the three files and JUnit, and exits 1 as one run failed', async () => {
      const out = join(tmp, 'merged');
      const r = await keras(['merge', files.a, files.b, '--out', out, '--junit', join(tmp, 'j.xml')]);
      expect(r.code, r.stderr).to.equal(1);
      expect(r.stdout).to.include('box-a · reference').and.include('Machines disagree on');
      for (const f of ['report.json', 'report.md', 'report.html']) expect(existsSync(join(out, f))).to.equal(true);
      expect(readFileSync(join(tmp, 'j.xml'), 'utf8')).to.include('<testsuites');
    });

    it('merge counts the gradient cases the machines disagree on apart from the forward ones', async () => {
      const differ = a.gradient!.results.filter((x) => d.gradient!.results.find((y) => y.keras === x.keras && y.id === x.id)!.status !== x.status);
      const r = await keras(['merge', files.a, files.d, '--out', join(tmp, 'merged-grad')]);
      expect(r.code, r.stderr).to.equal(1);
      expect(r.stdout).to.include(`Machines disagree on ${differ.length} gradient cases (report.md, "Where machines disagree"); merged 2 reports.`);
    });

    it('merge refuses mixed goldens with exit 2 and says how to allow them', async () => {
      const r = await keras(['merge', files.a, files.mixed, '--out', join(tmp, 'never')]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include('different golden sets').and.include('--allow-mixed-goldens');
      expect(existsSync(join(tmp, 'never'))).to.equal(false);
    });

    it('compare exits 0 on identical reports, 1 on a regression, naming the case, with Markdown on request', async () => {
      const md = join(tmp, 'summary.md');
      const [same, worse] = await Promise.all([keras(['compare', files.a, files.a]), keras(['compare', files.a, files.b, '--markdown', md])]);
      expect(same.code, same.stderr).to.equal(0);
      expect(same.stdout).to.include('NO REGRESSIONS');
      expect(worse.code, worse.stderr).to.equal(1);
      expect(worse.stdout).to.match(/newly failing\s+relu\/\S+ on reference · Keras 3\.6\.0: passed → failed/);
      expect(worse.stdout).to.match(/newly failing\s+relu\/\S+ on reference · Keras 3\.15\.1: passed → failed/);
      expect(readFileSync(md, 'utf8')).to.include('**REGRESSED**').and.include('| newly failing | `relu/');
    });

    it('compare exits 1 on a gradient regression, naming the case and `(gradient)`', async () => {
      const r = await keras(['compare', files.a, files.d]);
      expect(r.code, r.stderr).to.equal(1);
      expect(r.stdout).to.match(/newly failing\s+relu\/\S+ \(gradient\) on reference · Keras 3\.6\.0: passed → failed: the gradient of x differs/);
    });

    it('compare exits 1 when HEAD dropped a Keras version, naming it; merge joins a one-version run with a two-version one', async () => {
      const out = join(tmp, 'merged-versions');
      const [dropped, merged] = await Promise.all([keras(['compare', files.a, files.c]), keras(['merge', files.a, files.c, '--out', out])]);
      expect(dropped.code, dropped.stderr).to.equal(1);
      expect(dropped.stdout).to.include('backend gone  reference · Keras 3.15.1: no results now: Keras 3.15.1 did not run');
      expect(merged.code, merged.stderr).to.equal(0);
      expect(merged.stdout).to.match(/^Keras 3\.6\.0\nop +box-a · reference +box-c · reference\n/m);
      expect(parseReport(readFileSync(join(out, 'report.json'), 'utf8')).kerasVersions).to.deep.equal(['3.6.0', '3.15.1']);
    });

    it('run --baseline exits 0 when only fixes, 1 when a column is gone, and passes --max-ulp-growth on', async () => {
      const withGone = { ...a, results: [...a.results!, { ...a.results![0], backend: 'tfjs-cpu' }] };
      writeFileSync(join(tmp, 'gone.json'), stringifyReport(withGone));
      const out = join(tmp, 'run-fixed');
      const run = (base: string, ...more: string[]) => keras(['run', '--backend', 'reference', '--op', 'relu', '--label', 'box-a', '--no-bench', '--baseline', base, ...more]);
      const [fixed, gone] = await Promise.all([run(files.b, '--max-ulp-growth', '7', '--out', out), run(join(tmp, 'gone.json'), '--out', join(tmp, 'run-gone'))]);
      expect(fixed.code, fixed.stderr).to.equal(0);
      expect(fixed.stdout).to.include('NO REGRESSIONS').and.include('fixed');
      expect(parseReport(readFileSync(join(out, 'report.json'), 'utf8')).baseline).to.include({ maxUlpGrowth: 7, regressions: 0 });
      expect(gone.code, gone.stderr).to.equal(1);
      expect(gone.stdout).to.include('REGRESSED').and.include('tfjs-cpu');
    });

    it('run --max-ulp-growth exits 2 without --baseline or with a bad number', async () => {
      const [alone, bad] = await Promise.all([
        keras(['run', '--backend', 'reference', '--op', 'relu', '--max-ulp-growth', '3', '--out', join(tmp, 'never')]),
        keras(['run', '--backend', 'reference', '--op', 'relu', '--baseline', files.a, '--max-ulp-growth', '-1', '--out', join(tmp, 'never')]),
      ]);
      expect([alone.code, bad.code]).to.deep.equal([2, 2]);
      expect(alone.stderr).to.include('run: --max-ulp-growth needs --baseline FILE');
      expect(bad.stderr).to.include("run: --max-ulp-growth must be a number of ULPs >= 0, not '-1'");
      expect(existsSync(join(tmp, 'never'))).to.equal(false);
    });

    it('compare exits 2 on a usage error', async () => {
      const r = await keras(['compare', files.a]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include('give two report.json files');
    });
  });
});

function keras(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
