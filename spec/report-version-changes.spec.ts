/**
 * The run report's section "What changed between Keras versions": a run of Keras 3.6.0 and 3.15.1
 * (runParity in-process, on the reference backend) records what the two golden sets say changed for its
 * ops, the same diff as docs/keras-version-changes.md, and report.md, report.html and the summary show it;
 * a run of one version has none; merge keeps it where its inputs agree.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { summaryTable } from '../src/cli/summary.js';
import { runParity } from '../src/cli/run.js';
// Registers the built-in backends, reference among them.
import '../src/index.js';
import { renderHtml } from '../src/report/html.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { mergeReports } from '../src/report/merge.js';
import { parseReport, stringifyReport, type ParityReport } from '../src/report/model.js';
import { versionDiff } from '../src/report/version-changes-doc.js';
import { briefDiff, tableRecords } from '../src/report/version-changes.js';

const GOLDEN = fileURLToPath(new URL('../golden', import.meta.url));
/** conv_transpose changed its errors, conv only another library's words, relu nothing; celu came in 3.7. */
const OPS = ['relu', 'celu', 'conv', 'conv_transpose'];
const PADDING_CASE = 'conv_transpose/error-padding=full';

function run(label: string, options: { keras?: string[]; ops?: string[] } = {}): Promise<ParityReport> {
  return runParity({
    backends: ['reference'],
    ops: OPS,
    label,
    ...options,
    out: null,
    bench: null,
    stdout: null,
    stderr: { write: () => true },
    progress: 'none',
  }).then((r) => r.report);
}

/** The error a version's golden records for a case, as a change's `before` or `after` words it. */
function goldenError(keras: string, id: string): string {
  const file = JSON.parse(readFileSync(`${GOLDEN}/keras-${keras}/conv_transpose.json`, 'utf8')) as {
    cases: { id: string; expected: { error: { class: string; message: string } } }[];
  };
  const { error } = file.cases.find((c) => c.id === id)!.expected;
  return `${error.class}: ${error.message}`;
}

describe('the run report: what changed between Keras versions', function () {
  this.timeout(60_000);
  let both: ParityReport;
  let one: ParityReport;
  /** The whole golden sets' diff, as docs/keras-version-changes.md renders it. */
  const doc = briefDiff(versionDiff(GOLDEN));

  before(async () => {
    // One after the other: a run switches the process's backend.
    both = await run('box-a');
    one = await run('box-d', { keras: ['3.15.1'] });
  });

  it("records the goldens' diff of the run's ops in report.json, as the document measures it", () => {
    const [pair, ...more] = both.versionChanges!;
    expect(more).to.deep.equal([]);
    expect([pair.older, pair.newer]).to.deep.equal(['3.6.0', '3.15.1']);
    expect(pair.ops.map((o) => o.op)).to.have.members(OPS.filter((op) => doc.ops.some((o) => o.op === op)));
    for (const o of pair.ops) expect(o).to.deep.equal(doc.ops.find((d) => d.op === o.op));
    expect(pair.unchanged).to.deep.equal(OPS.filter((op) => doc.unchanged.includes(op)));
    expect(pair.added).to.deep.equal(OPS.filter((op) => doc.added.includes(op)));
    expect(parseReport(stringifyReport(both)).versionChanges).to.deep.equal(both.versionChanges);
  });

  it("holds conv_transpose's padding error as the two golden sets record it", () => {
    const convTranspose = both.versionChanges![0].ops.find((o) => o.op === 'conv_transpose')!;
    const example = convTranspose.examples.find((c) => c.kind === 'error')!;
    expect(example).to.deep.include({ id: PADDING_CASE, before: goldenError('3.6.0', PADDING_CASE), after: goldenError('3.15.1', PADDING_CASE) });
    expect(example.after).to.match(/^ValueError: The `padding` argument must be one of 'valid', 'same'/);
    expect(convTranspose.counts.error).to.be.greaterThan(0);
  });

  it('shows it in report.md: each changed op with its count, example and op-table records; noise and new ops in a line', () => {
    const md = renderMarkdown(both);
    const section = md.slice(md.indexOf('## What changed between Keras versions'));
    const [pair] = both.versionChanges!;
    const convTranspose = pair.ops.find((o) => o.op === 'conv_transpose')!;
    const example = convTranspose.examples.find((c) => c.kind === 'error')!;
    const conv = pair.ops.find((o) => o.op === 'conv')!;
    expect(section).to.include('### Keras 3.6.0 to 3.15.1').and.include('#### conv_transpose');
    expect(section).to.include(`| another error | ${convTranspose.counts.error} | \`${PADDING_CASE}\`: \`${example.call}\` | ${example.before} | ${example.after} |`);
    for (const record of tableRecords('conv_transpose')) expect(section).to.include(`- ${record}\n`);
    expect(section).not.to.include('#### conv\n').and.not.to.include('#### relu');
    expect(section).to.include(`: \`conv\` (${conv.counts.message} of ${conv.compared}).`);
    expect(section).to.include('New since 3.6.0 (1): `celu` (3.7).');
    expect(summaryTable(both, false)).to.include('Keras 3.6.0 to 3.15.1: of 3 ops in both, 1 changed, 1 in noise only, 1 not at all; 1 op new');
  });

  it('shows it in report.html, escaped', () => {
    const html = renderHtml(both);
    const start = html.indexOf('<section aria-labelledby="h-versions" id="version-changes">');
    const section = html.slice(start, html.indexOf('</section>', start));
    expect(start).to.be.greaterThan(0);
    expect(section).to.include('<h3 id="h-versions-0">Keras 3.6.0 to 3.15.1</h3>').and.include('<h4><code>conv_transpose</code></h4>');
    expect(section).to.include(`<code>${PADDING_CASE}</code>`).and.include('<td>ValueError: The `padding` argument must be one of &#39;valid&#39;, &#39;same&#39;.');
    expect(section).to.include('The <code>padding</code> argument').and.include('<code>celu</code> (3.7)');
  });

  it('is absent from a run of one version', () => {
    expect(one.kerasVersions).to.deep.equal(['3.15.1']);
    expect(one).not.to.have.property('versionChanges');
    expect(renderMarkdown(one)).not.to.include('What changed between Keras versions');
    expect(renderHtml(one)).not.to.include('id="version-changes"');
    expect(summaryTable(one, false)).not.to.include('What changed between Keras versions');
  });

  it('merge keeps it where the inputs agree, and leaves out a pair they recorded differently', async () => {
    const other = await run('box-b');
    const narrower = await run('box-c', { ops: ['conv_transpose'] });
    const merged = (...reports: ParityReport[]) => mergeReports(reports.map((report, i) => ({ report, file: `${i}.json` })));
    expect(merged(both, other, one).versionChanges).to.deep.equal(both.versionChanges);
    expect(merged(both, narrower)).not.to.have.property('versionChanges');
  });
});
