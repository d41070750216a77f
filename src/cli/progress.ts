/// <reference types="node" />
/**
 * Progress on stderr: on a terminal one status line redrawn in place (a bar, or a spinner while the
 * total is unknown) with log lines printed above it; elsewhere (CI logs, pipes) plain lines only.
 */
import { format } from 'node:util';
import { plural } from '../format.js';
import type { ProgressEvent } from '../report/collect.js';
import { caseText } from '../report/gradient.js';
import type { ReportBackend, ReportCell } from '../report/model.js';
import { kerasTitle } from '../report/versions.js';

export type ProgressMode = 'bar' | 'lines' | 'none';

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** `auto`: a bar on a terminal, lines otherwise. */
export function progressMode(choice: string | undefined, stream: Output): ProgressMode {
  if (choice === 'bar' || choice === 'lines' || choice === 'none') return choice;
  return stream.isTTY ? 'bar' : 'lines';
}

/** Colours only on a terminal, and never with NO_COLOR set (no-color.org). */
export function useColor(stream: Output): boolean {
  return !!stream.isTTY && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
}

export function paint(on: boolean, code: 'red' | 'green' | 'yellow' | 'dim' | 'bold', text: string): string {
  if (!on) return text;
  const codes = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 };
  return `\x1b[${codes[code]}m${text}\x1b[0m`;
}

const REDRAW_MS = 80;
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** One status line redrawn in place (bar mode), log lines above it; in lines mode only the log lines. */
export class StatusLine {
  private shown = false;
  private last = 0;
  private frame = 0;
  private status = '';
  private readonly started = performance.now();

  constructor(
    private readonly out: Output,
    readonly mode: ProgressMode,
  ) {}

  /** A line of its own: above the status line on a terminal; printed as is in lines mode. */
  log(text: string): void {
    if (this.mode === 'none') return;
    this.clear();
    this.out.write(`${text}\n`);
    if (this.mode === 'bar' && this.status) this.draw();
  }

  /** Sets the status text; redrawn at most every 80 ms unless `now`. */
  update(status: string, now = false): void {
    this.status = status;
    if (this.mode !== 'bar') return;
    const t = performance.now();
    if (!now && t - this.last < REDRAW_MS) return;
    this.last = t;
    this.draw();
  }

  /** `[█████░░░░░]  45%  453/1007`, fitted to the terminal with room for `rest`. */
  bar(done: number, total: number, rest: string): string {
    const pct = total ? Math.floor((100 * done) / total) : 100;
    const counts = `${String(pct).padStart(3)}%  ${done}/${total}`;
    const columns = this.out.columns || 80;
    const width = Math.max(10, Math.min(30, columns - counts.length - stripAnsi(rest).length - 8));
    const filled = total ? Math.round((width * done) / total) : width;
    return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${counts}  ${rest}`;
  }

  spinner(): string {
    this.frame = (this.frame + 1) % SPINNER.length;
    return SPINNER[this.frame];
  }

  elapsed(): string {
    const s = (performance.now() - this.started) / 1000;
    return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  }

  /** Removes the status line (before the final output). */
  done(): void {
    this.clear();
    this.status = '';
  }

  private draw(): void {
    const columns = this.out.columns || 80;
    const plain = stripAnsi(this.status);
    // Never wrap (a wrapped line cannot be redrawn in place); a cut line loses its colours.
    const text = plain.length >= columns ? `${plain.slice(0, columns - 2)}…` : this.status;
    this.out.write(`\r\x1b[2K${text}`);
    this.shown = true;
  }

  private clear(): void {
    if (!this.shown) return;
    this.out.write('\r\x1b[2K');
    this.shown = false;
  }
}

/** At most this many failing cases are named while running; report.md lists them all. */
const MAX_FAILURE_LINES = 20;

/** Turns collectReport's events into progress output. */
export class RunProgress {
  private total = 0;
  private done = 0;
  private failed = 0;
  private failureLines = 0;
  private where = '';
  readonly line: StatusLine;

  constructor(
    out: Output,
    mode: ProgressMode,
    private readonly color: boolean,
  ) {
    this.line = new StatusLine(out, mode);
  }

  readonly onEvent = (e: ProgressEvent): void => {
    switch (e.type) {
      case 'start':
        this.total = e.total;
        this.line.log(`Running ${versionCounts(e.versions, e.gradCases)} on ${plural(e.backends.filter((b) => b.available).length, 'backend')}`);
        break;
      case 'backend':
        this.line.log(this.backendLine(e.backend));
        break;
      case 'case':
        this.done++;
        this.where = `${e.backend} · ${e.keras} · ${e.op}`;
        if (e.outcome === 'failed') {
          this.failed++;
          this.failureLine(caseText({ id: e.caseId, gradient: e.gradient }), `${e.backend}, ${kerasTitle(e.keras)}`, e.failure);
        }
        this.line.update(this.status(), this.done === this.total);
        break;
      case 'cell':
        if (this.line.mode === 'lines') this.line.log(this.cellLine(e.cell, e.seconds, e.gradient));
        break;
    }
  };

  finish(): void {
    this.line.done();
  }

  private status(): string {
    const failed = this.failed ? `  ${paint(this.color, 'red', `${this.failed} failed`)}` : '';
    return this.line.bar(this.done, this.total, `${this.where}${failed}  ${this.line.elapsed()}`);
  }

  private backendLine(b: ReportBackend): string {
    if (b.available) return `${b.name}: ${b.device ?? 'available'}`;
    const what = b.required ? paint(this.color, 'red', 'unavailable (required)') : paint(this.color, 'yellow', 'unavailable, skipped');
    return `${b.name}: ${what}: ${b.reason ?? 'no reason given'}`;
  }

  private cellLine(c: ReportCell, seconds: number, gradient?: boolean): string {
    const parts = [`${c.passed} passed`];
    if (c.failed) parts.push(paint(this.color, 'red', `${c.failed} failed`));
    if (c.unsupported) parts.push(`${c.unsupported} unsupported`);
    if (c.excluded) parts.push(`${c.excluded} excluded`);
    return `  ${kerasTitle(c.keras)} · ${c.backend} ${c.op}${gradient ? ' (gradient)' : ''}: ${parts.join(', ')} (${seconds.toFixed(2)} s)`;
  }

  /** `backend, Keras 3.6.0`: where the case failed. */
  private failureLine(caseId: string, where: string, failure = 'failed'): void {
    this.failureLines++;
    if (this.failureLines > MAX_FAILURE_LINES) {
      if (this.failureLines === MAX_FAILURE_LINES + 1) this.line.log('  ... more failures: see report.md');
      return;
    }
    const first = failure.split('\n')[0];
    this.line.log(`  ${paint(this.color, 'red', 'FAIL')} ${caseId} [${where}]: ${first}`);
  }
}

/**
 * `1338 golden cases of Keras 3.6.0 and 1401 of Keras 3.15.1`, each version's count of one backend, and
 * `, with 1771 gradient cases` where the run has them.
 */
function versionCounts(versions: readonly { keras: string; cases: number }[], gradCases?: number): string {
  const parts = versions.map((v, i) => (i ? `${v.cases} of ${kerasTitle(v.keras)}` : `${plural(v.cases, 'golden case')} of ${kerasTitle(v.keras)}`));
  const forward = parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}` : (parts[0] ?? 'no golden case');
  return gradCases === undefined ? forward : `${forward}, with ${plural(gradCases, 'gradient case')}`;
}

/**
 * While `fn` runs, console output (TF.js warnings, a registered backend's logs) goes to stderr, through
 * the status line so it does not tear the bar; TF.js's advice to install tfjs-node is dropped (we run tfjs-cpu on purpose).
 */
export async function routeConsole<T>(line: StatusLine | undefined, fn: () => Promise<T>): Promise<T> {
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error };
  const route =
    (original: (...args: unknown[]) => void) =>
    (...args: unknown[]) => {
      const text = format(...args);
      if (/looks like you are running TensorFlow\.js in Node\.js/.test(text)) return;
      if (line && line.mode === 'bar') line.log(text);
      else original(...args);
    };
  // stdout is for the command's own output (the summary); anything a library prints goes to stderr.
  console.log = route(saved.error);
  console.info = route(saved.error);
  console.warn = route(saved.warn);
  console.error = route(saved.error);
  try {
    return await fn();
  } finally {
    Object.assign(console, saved);
  }
}

export function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}
