/** How cases and their results read in test titles, failure messages and reports. */
import { formatShape } from '../format.js';
import type { GoldenCase, GoldenValue } from './cases.js';
import type { Mismatch } from './compare.js';
import type { CaseResult, OutputResult } from './run.js';
import { GoldenTensor } from './safetensors.js';

/** `conv/2d-same-s2-d1-channels_first` on reference: `conv 2d same s2 d1 channels_first [reference]`. */
export function caseTitle(id: string, adapter: string): string {
  return `${id.replace(/[/-]/g, ' ')} [${adapter}]`;
}

/** The call as Python would print it, tensors as dtype and shape: `conv(<float32 (2, 8)>, 2, padding='same')`. */
export function describeCall(c: GoldenCase): string {
  const args = c.args.map(pyRepr);
  const kwargs = Object.entries(c.kwargs).map(([k, v]) => `${k}=${pyRepr(v)}`);
  return `${c.op}(${[...args, ...kwargs].join(', ')})`;
}

function pyRepr(v: GoldenValue): string {
  if (v instanceof GoldenTensor) return `<${v.dtype} ${formatShape(v.shape)}>`;
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number') return formatNumber(v);
  if (Array.isArray(v)) return `(${v.map(pyRepr).join(', ')}${v.length === 1 ? ',' : ''})`;
  return `{${Object.entries(v).map(([k, x]) => `'${k}': ${pyRepr(x)}`).join(', ')}}`;
}

/** The shortest decimal that reads back as the same float32 (as numpy prints float32), nan and inf as numpy. */
export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return String(v);
  if (Math.fround(v) !== v) return String(v);
  for (let digits = 1; digits < 9; digits++) {
    const s = v.toPrecision(digits);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(Number(v.toPrecision(9)));
}

/** Three significant digits, exponent form when small or large: 0.5, 1e-6, 1.23e-7. */
function short(v: number): string {
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : 'inf';
  const p = Number(v.toPrecision(3));
  return Math.abs(p) < 1e-3 || Math.abs(p) >= 1e6 ? p.toExponential() : String(p);
}

/** An error measure; `n/a` where it was not measured. ULPs are counts, printed whole. */
function measure(v: number | null, whole = false): string {
  if (v === null) return 'n/a';
  return whole && Number.isFinite(v) ? String(v) : short(v);
}

/** `max abs 1.2e-3, max rel 4e-4, max ULP 1234` for one output. */
export function describeErrors(r: OutputResult): string {
  const c = r.comparison;
  return `max abs ${measure(c.maxAbs)}, max rel ${measure(c.maxRel)}, max ULP ${measure(c.maxUlp, true)}`;
}

function describeMismatch(m: Mismatch): string {
  return `    [${m.index.join(', ')}]: got ${formatNumber(m.got)}, want ${formatNumber(m.want)}`;
}

function describeOutput(r: OutputResult, i: number): string[] {
  const c = r.comparison;
  const t = r.tolerance;
  const lines = [
    `  output ${i}: ${c.ok ? 'ok' : c.problems.length ? c.problems.join('; ') : `${c.mismatches} of ${c.size} elements outside tolerance`}`,
    `    ${describeErrors(r)} (atol ${short(t.atol)}, rtol ${short(t.rtol)}: ${t.sources.join('; ')})`,
  ];
  if (c.problems.length && c.mismatches) lines.push(`    and ${c.mismatches} of ${c.size} elements outside tolerance`);
  if (c.nonFinite) lines.push(`    ${c.nonFinite} of them a NaN or infinity against another value (left out of the measures)`);
  return [...lines, ...c.first.map(describeMismatch)];
}

/** A failure message: the case, the call, and per output the measured errors and first mismatches. */
export function formatFailure(c: GoldenCase, adapter: string, result: CaseResult): string {
  const lines = [
    `${c.id} [${adapter}]: ${result.failure ?? 'passed'}`,
    `  call: ${describeCall(c)}`,
    ...result.outputs.flatMap(describeOutput),
  ];
  return lines.join('\n');
}
