/**
 * `run --junit FILE` (src/report/junit.ts): the JUnit XML of a real run validates with xmllint against
 * spec/fixtures/junit.xsd (modelled on the Windy Road JUnit.xsd with Jenkins's <skipped>), and counts
 * exactly the cases run; a broken file fails that validation. Without xmllint (Debian's libxml2-utils;
 * .ci/run installs it) the validating tests are pending with the reason in their title, and fail in CI
 * (CI=true).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { renderJunit } from '../src/report/junit.js';
import type { ParityReport, ReportResult } from '../src/report/model.js';
import { RECORD_BACKENDS, RECORD_LABEL, recordRun } from './fixtures/record-run.js';

const XSD = fileURLToPath(new URL('./fixtures/junit.xsd', import.meta.url));
const xmllintMissing = spawnSync('xmllint', ['--version']).error ? 'xmllint not found (apt-get install libxml2-utils)' : '';

function needXmllint(test: Mocha.Context): void {
  if (!xmllintMissing) return;
  if (process.env.CI === 'true') throw new Error(`${xmllintMissing} (CI=true demands it)`);
  test.skip();
}

/** xmllint's verdict on the XML against the XSD: '' when it validates, else its messages. */
function schemaProblems(xml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'junit-'));
  try {
    const file = join(dir, 'junit.xml');
    writeFileSync(file, xml);
    execFileSync('xmllint', ['--noout', '--schema', XSD, file], { stdio: 'pipe' });
    return '';
  } catch (e) {
    return String((e as { stderr?: Buffer }).stderr ?? e) || 'xmllint failed';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Each <testsuite>: its attributes and its testcases' bodies. */
function suites(xml: string) {
  return [...xml.matchAll(/<testsuite ([^>]*)>([\s\S]*?)<\/testsuite>/g)].map(([, attributes, body]) => ({
    attr: Object.fromEntries([...attributes.matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k, v])),
    testcases: body.match(/<testcase /g)?.length ?? 0,
    failures: body.match(/<failure /g)?.length ?? 0,
    errors: body.match(/<error /g)?.length ?? 0,
    skipped: body.match(/<skipped /g)?.length ?? 0,
  }));
}

describe('JUnit XML (run --junit)', () => {
  let report: ParityReport;
  let xml: string;
  before(async function () {
    this.timeout(60_000);
    report = (await recordRun()).report;
    xml = renderJunit(report);
  });

  it(`validates against the JUnit schema${xmllintMissing ? ` (pending: ${xmllintMissing})` : ''}`, function () {
    needXmllint(this);
    expect(schemaProblems(xml)).to.equal('');
  });

  it(`fails the schema when broken: a required attribute missing, an unknown element, malformed XML${xmllintMissing ? ` (pending: ${xmllintMissing})` : ''}`, function () {
    needXmllint(this);
    expect(schemaProblems(xml.replace(/ hostname="[^"]*"/, ''))).to.include("The attribute 'hostname' is required but missing");
    expect(schemaProblems(xml.replace('<system-out/>', '<stdout/>'))).to.include("Element 'stdout': This element is not expected");
    expect(schemaProblems(xml.slice(0, xml.lastIndexOf('</testsuite>')))).to.match(/parser error|fails to validate/);
  });

  it('has a suite per backend and Keras version named label · backend · Keras version, counting exactly the cases run', () => {
    const found = suites(xml);
    const places = RECORD_BACKENDS.flatMap((backend) => report.kerasVersions.map((keras) => ({ backend, keras })));
    expect(report.kerasVersions.length).to.be.greaterThan(1);
    expect(found.map((s) => s.attr.name)).to.deep.equal(places.map((p) => `${RECORD_LABEL} · ${p.backend} · Keras ${p.keras}`));
    for (const [i, s] of found.entries()) {
      // Its forward cases and its gradient ones.
      const cells = [...report.cells, ...report.gradient!.cells].filter((c) => c.backend === places[i].backend && c.keras === places[i].keras);
      const ran = cells.reduce((n, c) => n + c.passed + c.failed + c.excluded + c.unsupported, 0);
      expect([s.testcases, s.failures + s.errors, s.skipped]).to.deep.equal([
        ran,
        cells.reduce((n, c) => n + c.failed, 0),
        cells.reduce((n, c) => n + c.excluded + c.unsupported, 0),
      ]);
      expect([s.attr.tests, s.attr.failures, s.attr.errors, s.attr.skipped].map(Number)).to.deep.equal([s.testcases, s.failures, s.errors, s.skipped]);
    }
    const total = /<testsuites [^>]*tests="(\d+)"/.exec(xml)![1];
    expect(Number(total)).to.equal(report.results!.length + report.gradient!.results.length);
  });

  it('names a gradient case as the gradient conformance spec does, `(gradient)` after it, failed where its gradient is', () => {
    const failed = report.gradient!.results.find((r) => r.status === 'failed')!;
    expect(failed.backend).to.equal('cli-broken-grad');
    const name = `${failed.id} [Keras ${failed.keras}] (gradient)`;
    expect(xml).to.include(`<testcase classname="${failed.op}" name="${name}"`);
    expect(xml).to.include(`<failure message="${name}: max abs 1,`);
    // The forward case of the same id on the same backend passed.
    expect(xml).to.match(new RegExp(`<testcase classname="${failed.op}" name="${failed.id.replace(/[.+]/g, '\\$&')} \\[Keras ${failed.keras.replace(/\./g, '\\.')}\\]" time="[\\d.]+"/>`));
  });

  it('names the case, its Keras version and its measured error in a failure, the reason in a skip', () => {
    const failed = report.results!.find((r) => r.status === 'failed')!;
    const name = `${failed.id} \\[Keras ${failed.keras.replace(/\./g, '\\.')}\\]`;
    const testcase = new RegExp(`<testcase classname="${failed.op}" name="${name}" time="[\\d.]+">\\s*<failure message="([^"]*)"`).exec(xml);
    expect(testcase?.[1]).to.match(new RegExp(`^${name}: max abs 1, max rel [^,]+, max ULP [\\d.e+]+ \\(tolerance default\\): output 0 differs`));
    expect(xml).to.match(/<skipped message="unsupported: raised UnsupportedError/);
    expect(xml).to.match(/<skipped message="excluded: float32 overflow/);
  });

  it('keeps a case of one version apart from the same id of another: no name twice in a suite, none shared by two versions', () => {
    for (const [, body] of xml.matchAll(/<testsuite [^>]*>([\s\S]*?)<\/testsuite>/g)) {
      const names = [...body.matchAll(/<testcase classname="([^"]*)" name="([^"]*)"/g)].map((m) => `${m[1]} ${m[2]}`);
      expect(new Set(names).size).to.equal(names.length);
    }
    const byVersion = report.kerasVersions.map((v) => new Set([...xml.matchAll(new RegExp(`name="([^"]*) \\[Keras ${v.replace(/\./g, '\\.')}\\]"`, 'g'))].map((m) => m[0])));
    expect([...byVersion[0]].filter((n) => byVersion[1].has(n))).to.deep.equal([]);
    expect(byVersion.every((names) => names.size > 0)).to.equal(true);
  });

  it(`keeps odd text well-formed: markup, quotes, line breaks and control characters${xmllintMissing ? ` (pending: ${xmllintMissing})` : ''}`, function () {
    if (xmllintMissing) this.skip();
    const odd: ReportResult = { ...report.results!.find((r) => r.status === 'failed')!, id: 'relu/<&"\'>', reason: 'a\n<b>\u0001"x"\tend', status: 'error' };
    const xmlOdd = renderJunit({ ...report, label: 'box "one" <x>', results: [odd] });
    expect(schemaProblems(xmlOdd)).to.equal('');
    expect(xmlOdd).to.include(`<error message="relu/&lt;&amp;&quot;&#39;&gt; [Keras ${odd.keras}]: a" type="runner">a\n&lt;b&gt;\uFFFD&quot;x&quot;\tend</error>`);
  });
});
