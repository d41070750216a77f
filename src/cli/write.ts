/// <reference types="node" />
/** Writes report.json, report.md and report.html into the output folder. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderHtml } from '../report/html.js';
import { renderMarkdown } from '../report/markdown.js';
import { stringifyReport, type ParityReport } from '../report/model.js';

export function writeReport(report: ParityReport, outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const files: [string, string][] = [
    ['report.json', stringifyReport(report)],
    ['report.md', renderMarkdown(report)],
    ['report.html', renderHtml(report)],
  ];
  return files.map(([name, text]) => {
    const path = join(outDir, name);
    writeFileSync(path, text);
    return path;
  });
}
