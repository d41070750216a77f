/// <reference types="node" />
/**
 * `keras-parity compare BASE.json HEAD.json`: what changed from a baseline report to another
 * (src/report/compare.ts), as terminal text and, on request, Markdown for a CI job summary. Exits 1 on
 * any regression.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  CompareError,
  DEFAULT_MAX_ULP_GROWTH,
  GOLDEN_CHANGED_NOTE,
  KIND_NAMES,
  changeDetail,
  changePlace,
  compareReports,
  comparisonHeadline,
  orderedChanges,
} from '../report/compare.js';
import { caseText } from '../report/gradient.js';
import { comparisonMarkdown } from '../report/markdown.js';
import type { ParityReport, ReportComparison } from '../report/model.js';
import { UsageError, type CommandSpec } from './args.js';
import { readReportFile } from './merge.js';
import { shortPath } from './paths.js';
import { paint, useColor, type Output } from './progress.js';

export const MAX_ULP_GROWTH_HELP = `ULPs a passing case's error may grow by before it counts, if it also doubles (default: ${DEFAULT_MAX_ULP_GROWTH})`;

export const COMPARE: CommandSpec = {
  name: 'compare',
  brief: 'compares a report.json with a baseline one: regressions, fixes, error growth',
  summary:
    'keras-parity compare BASE.json HEAD.json [options]\n\n' +
    'Per case and backend: newly failing, fixed, newly excluded or unsupported, a backend that no longer ran,\n' +
    'and ULP error growth beyond a threshold in cases still within tolerance. Every change but a fix is a\n' +
    'regression. Results match by Keras version, machine label and backend (or backend alone when each report\n' +
    'is of one machine) and case id; a Keras version the baseline ran and HEAD did not counts as its backends gone.',
  options: [
    {
      name: 'max-ulp-growth',
      value: 'N',
      help: MAX_ULP_GROWTH_HELP,
    },
    { name: 'markdown', value: 'FILE', help: 'also append the comparison as Markdown to FILE (appended, as $GITHUB_STEP_SUMMARY wants)' },
  ],
  details: [
    'Examples:',
    '  keras-parity compare main/report.json parity-report/report.json',
    '  keras-parity compare base.json head.json --markdown "$GITHUB_STEP_SUMMARY"',
    '  keras-parity run --baseline main/report.json     # the same, against the run just made',
    '',
    'Exit status: 0 no regression, 1 a regression, 2 a usage error or a report that cannot be read.',
  ].join('\n'),
};

export interface CompareCommandOptions {
  files: readonly string[];
  maxUlpGrowth?: string;
  markdown?: string;
}

export function compareCommand(options: CompareCommandOptions, stdout: Output): number {
  if (options.files.length !== 2) throw new UsageError(`compare: give two report.json files, BASE and HEAD (got ${options.files.length})`, 'compare');
  const [baseFile, headFile] = options.files;
  const base = readReportFile(baseFile, 'compare');
  const head = readReportFile(headFile, 'compare');
  const comparison = compareOrExplain(base, head, parseMaxUlpGrowth(options.maxUlpGrowth, 'compare') ?? DEFAULT_MAX_ULP_GROWTH);
  const names = { base: describeReport(baseFile, base), head: describeReport(headFile, head) };
  stdout.write(comparisonText(comparison, names, useColor(stdout)));
  if (options.markdown) {
    const path = resolve(options.markdown);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, comparisonMarkdown(comparison, names), { flag: 'a' });
    stdout.write(`Wrote ${shortPath(path)}\n`);
  }
  return comparison.regressions ? 1 : 0;
}

function compareOrExplain(base: ParityReport, head: ParityReport, growth: number): ReportComparison {
  try {
    return compareReports(base, head, { maxUlpGrowth: growth });
  } catch (e) {
    if (e instanceof CompareError) throw new UsageError(`compare: ${e.message}`, 'compare');
    throw e;
  }
}

/** `--max-ulp-growth N` of `compare` and `run --baseline`: a number of ULPs >= 0; undefined when not given. */
export function parseMaxUlpGrowth(text: string | undefined, command: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new UsageError(`${command}: --max-ulp-growth must be a number of ULPs >= 0, not '${text}'`, command);
  }
  return n;
}

/** `head.json (ci-amd, 2026-12-05T05:52:48Z)` */
function describeReport(file: string, report: ParityReport): string {
  return `${file} (${report.label ? `${report.label}, ` : ''}${report.generatedAt})`;
}

/** The comparison for a terminal: the verdict, then one line per change, regressions first. */
export function comparisonText(c: ReportComparison, names: { base: string; head: string }, color: boolean): string {
  const verdict = c.regressions ? paint(color, 'red', 'REGRESSED') : paint(color, 'green', 'NO REGRESSIONS');
  const lines = [`${names.head} against ${names.base}`, `${verdict}: ${comparisonHeadline(c)}`];
  if (c.goldenChanged) lines.push(paint(color, 'yellow', `note: ${GOLDEN_CHANGED_NOTE}`));
  const changes = orderedChanges(c);
  const width = Math.max(0, ...changes.map((x) => KIND_NAMES[x.kind].length));
  for (const x of changes) {
    const kind = paint(color, x.kind === 'fixed' ? 'green' : 'red', KIND_NAMES[x.kind].padEnd(width));
    const what = x.id ? `${caseText(x)} on ` : x.gradient ? 'gradients on ' : '';
    lines.push(`  ${kind}  ${what}${changePlace(x)}: ${changeDetail(x)}`);
  }
  return `${lines.join('\n')}\n`;
}
