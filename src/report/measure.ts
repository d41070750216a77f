/** Error measures in words, as every part of the report writes them. */

/** Three significant digits, exponent form when small or large: 0.5, 1e-6, 1.23e-7; nan and inf as numpy. */
export function formatMeasure(v: number): string {
  if (Number.isNaN(v)) return 'n/a';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v === 0) return '0';
  const p = Number(v.toPrecision(3));
  return Math.abs(p) < 1e-3 || Math.abs(p) >= 1e6 ? p.toExponential() : String(p);
}

/** A ULP distance: whole below a million, exponent form above. */
export function formatUlp(v: number): string {
  if (Number.isNaN(v)) return 'n/a';
  if (!Number.isFinite(v)) return 'inf';
  return v < 1e6 ? String(Math.round(v)) : v.toExponential(2);
}
