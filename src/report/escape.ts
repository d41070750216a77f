/** HTML and SVG text escaping, shared by the page and its charts. */

/** Escapes text for element content and double- or single-quoted attribute values (HTML and SVG alike). */
export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
