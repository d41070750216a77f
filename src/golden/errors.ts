/** A golden file that cannot be used: missing, changed since the manifest, truncated or malformed. */
export class GoldenError extends Error {
  /** The file of golden/ at fault, as the manifest names it (or a path, outside a golden directory). */
  readonly file: string;

  constructor(file: string, why: string) {
    super(`${file}: ${why}`);
    this.name = 'GoldenError';
    this.file = file;
  }
}
