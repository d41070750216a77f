/**
 * report.html's section "What changed between Keras versions": ./version-changes.ts's parts, the ones
 * report.md and docs/keras-version-changes.md show, as HTML. Ids come from indices, never from report text.
 */
import { esc } from './escape.js';
import type { ReportOpChanges, ReportVersionChanges } from './model.js';
import {
  EXAMPLE_HEAD,
  NOISE_WORDS,
  addedOps,
  bugOf,
  changedOps,
  changesIntro,
  exampleCall,
  exampleRows,
  noiseOnlyOps,
  noiseOps,
  pairTitle,
  tableRecords,
} from './version-changes.js';

const code = (text: string) => `<code>${esc(text)}</code>`;

/** An op's name heads its change: code text at the page's small code size would read as body text. */
export const VERSION_CHANGES_CSS = '#version-changes h4{margin:1.25rem 0 .35rem}#version-changes h4 code{font-size:.95rem;font-weight:700}';

/** The op table's records speak Markdown: their `name` spans become <code>. */
const recordHtml = (text: string) => esc(text).replace(/`([^`]+)`/g, '<code>$1</code>');

export function versionChangesSection(changes: readonly ReportVersionChanges[] | undefined): string {
  if (!changes?.length) return '';
  return (
    '<section aria-labelledby="h-versions" id="version-changes"><h2 id="h-versions">What changed between Keras versions</h2>' +
    `${changes.map(pairHtml).join('\n')}</section>`
  );
}

function pairHtml(v: ReportVersionChanges, k: number): string {
  const noiseOnly = noiseOnlyOps(v);
  return (
    `<h3 id="h-versions-${k}">${esc(pairTitle(v))}</h3><p>${esc(changesIntro(v))}</p>` +
    changedOps(v).map(opHtml).join('') +
    (noiseOnly.length ? `<p>${esc(NOISE_WORDS)}: ${noiseOps(noiseOnly, code)}.</p>` : '') +
    (v.added.length ? `<p>New since ${esc(v.older)} (${v.added.length}): ${addedOps(v, code)}.</p>` : '')
  );
}

/** An op's change: the op table's records, a Keras bug, and an example of each kind. */
function opHtml(o: ReportOpChanges): string {
  const records = tableRecords(o.op);
  const bug = bugOf(o.op);
  const rows = exampleRows(o)
    .map(
      (r) =>
        `<tr><td>${esc(r.kind)}</td><td class="num">${r.cases}</td><td>${exampleCall(r.change, code)}</td>` +
        `<td>${esc(r.change.before)}</td><td>${esc(r.change.after)}</td></tr>`,
    )
    .join('');
  return (
    `<h4>${code(o.op)}</h4>` +
    (records.length ? `<p>In the op table:</p><ul>${records.map((r) => `<li>${recordHtml(r)}</li>`).join('')}</ul>` : '') +
    (bug ? `<p>A Keras bug: ${esc(bug)}</p>` : '') +
    `<div class="scroll"><table class="list"><thead><tr>${EXAMPLE_HEAD.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows}</tbody></table></div>`
  );
}
