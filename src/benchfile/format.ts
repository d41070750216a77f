/** How benchmark times read in the bench table and the report: ms with the digits the noise allows. */

/** Milliseconds: whole from 100, two decimals from 1, three from 0.01, else four; `-` for none. */
export function formatMs(ms: number | null | undefined): string {
  if (ms == null) return '-';
  return ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(2) : ms >= 0.01 ? ms.toFixed(3) : ms.toFixed(4);
}

/** Microseconds added per call: one decimal below 100, whole above (the noise is larger). */
export function formatUs(us: number): string {
  return Math.abs(us) >= 100 ? us.toFixed(0) : us.toFixed(1);
}

/** A ratio of two times, `1.055×`: three decimals below 2, where a 1.05x target is read; fewer above. */
export function formatRatio(r: number | null | undefined): string {
  if (r == null) return '-';
  return `${r >= 10 ? r.toFixed(1) : r >= 2 ? r.toFixed(2) : r.toFixed(3)}\u00d7`;
}

/** The middle half of per-sample ratios, `0.944–1.146×`; `-` where the file has none. */
export function formatRatioRange(q: readonly [number, number] | undefined): string {
  if (!q) return '-';
  return `${formatRatio(q[0]).slice(0, -1)}\u2013${formatRatio(q[1])}`;
}
