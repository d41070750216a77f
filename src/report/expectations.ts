/**
 * Expectations files (`run --expectations FILE`, docs/expectations.md): the known failures of a user's
 * machines, one a line, in the style of Chromium's TestExpectations:
 *
 *   [ tfjs-tensorflow avx512 onednn-on ] conv/2d-same-s2 [ Failure ]  # https://github.com/org/repo/issues/12
 *
 * Pure functions: parsing, and whether a line applies to a case on a backend given the machine's facts.
 */
import { matches } from '../golden/policy.js';
import type { MachineFacts } from '../machine.js';
import type { ReportBackend } from './model.js';

export type ExpectedResult = 'Failure' | 'Skip';

export interface Expectation {
  /** 1-based line number in the file. */
  line: number;
  tags: string[];
  /** A case id, an id prefix ending in `*`, or an op name. */
  pattern: string;
  result: ExpectedResult;
  reason: string;
}

export interface ExpectationSet {
  /** The file as named on the command line. */
  file: string;
  sha256: string;
  lines: Expectation[];
}

/** A file that cannot be used: every problem found, each naming its line. */
export class ExpectationError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ExpectationError';
  }
}

/** The tags that are not backend names, and what each asks of the machine or backend. */
const FACT_TAGS: Record<string, (b: ReportBackend, m: MachineFacts) => boolean> = {
  linux: (_b, m) => m.os.platform === 'linux',
  mac: (_b, m) => m.os.platform === 'darwin',
  win: (_b, m) => m.os.platform === 'win32',
  avx2: (_b, m) => !!m.cpu.isa?.avx2,
  avx512: (_b, m) => !!m.cpu.isa?.avx512f,
  amx: (_b, m) => !!m.cpu.isa?.amx_tile,
  // tfjs-tensorflow's setting reads `on (...)` or `off (...)`; other backends have neither.
  'onednn-on': (b) => /^on\b/.test(b.settings?.oneDNN ?? ''),
  'onednn-off': (b) => /^off\b/.test(b.settings?.oneDNN ?? ''),
  nvidia: (_b, m) => m.gpu.devices.length > 0,
  chromium: (b) => b.name.startsWith('chromium:'),
};

const RESULTS: readonly ExpectedResult[] = ['Failure', 'Skip'];

/** `[ tags ] pattern [ Result ]  # reason`; the tag list is optional. */
const LINE = /^(?:\[([^\]]*)\]\s*)?(\S+)\s*\[([^\]]*)\]\s*(?:#(.*))?$/;

/**
 * The file's lines. `backends`: the names a backend tag may name (a prefix ending in `*` must name one).
 * Throws ExpectationError listing every bad line.
 */
export function parseExpectations(text: string, file: string, sha256: string, backends: readonly string[]): ExpectationSet {
  const lines: Expectation[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const body = raw.trim();
    if (body === '' || body.startsWith('#')) return;
    const parsed = parseLine(body, i + 1, backends);
    if (typeof parsed === 'string') problems.push(`${file}:${i + 1}: ${parsed}: ${body}`);
    else lines.push(parsed);
  });
  if (problems.length) throw new ExpectationError(problems);
  return { file, sha256, lines };
}

/** One line, or what is wrong with it. */
function parseLine(body: string, line: number, backends: readonly string[]): Expectation | string {
  const m = LINE.exec(body);
  if (!m) return 'not `[ tags ] case-or-op [ Failure | Skip ]  # reason`';
  const tags = (m[1] ?? '').split(/\s+/).filter(Boolean);
  const result = m[3].trim();
  const reason = (m[4] ?? '').trim();
  const unknown = tags.filter((t) => !FACT_TAGS[t] && !backends.some((b) => namesBackend(t, b)));
  if (unknown.length) return `unknown tag ${unknown.map((t) => `'${t}'`).join(', ')} (tags: ${Object.keys(FACT_TAGS).join(', ')}, or a backend name)`;
  if (!(RESULTS as readonly string[]).includes(result)) return `expected result must be Failure or Skip, not '${result}'`;
  if (!reason) return 'no reason: end the line with `# reason or link`';
  return { line, tags, pattern: m[2], result: result as ExpectedResult, reason };
}

/** As the exclusion list names adapters: `tfjs-wasm` names chromium:tfjs-wasm too (src/golden/policy.ts). */
function namesBackend(tag: string, backend: string): boolean {
  return matches(tag, backend) || matches(tag, backend.slice(backend.indexOf(':') + 1));
}

/** Every tag of the line holds for the backend on this machine. */
export function tagsHold(e: Expectation, backend: ReportBackend, machine: MachineFacts): boolean {
  return e.tags.every((t) => (FACT_TAGS[t] ? FACT_TAGS[t](backend, machine) : namesBackend(t, backend.name)));
}

function namesCase(e: Expectation, id: string, op: string): boolean {
  return matches(e.pattern, id) || e.pattern === op;
}

/** The first line for this case on this backend, if any. */
export function expectationFor(
  set: ExpectationSet,
  c: { id: string; op: string },
  backend: ReportBackend,
  machine: MachineFacts,
): Expectation | undefined {
  return set.lines.find((e) => namesCase(e, c.id, c.op) && tagsHold(e, backend, machine));
}

/**
 * Lines that name no case of the run on a backend where their tags hold. A line whose tags hold on no
 * backend run (`nvidia` on a CPU machine) is not one: it is for other machines.
 */
export function unmatchedLines(
  set: ExpectationSet,
  cases: readonly { id: string; op: string }[],
  backends: readonly ReportBackend[],
  machine: MachineFacts,
): Expectation[] {
  return set.lines.filter((e) => backends.some((b) => tagsHold(e, b, machine)) && !cases.some((c) => namesCase(e, c.id, c.op)));
}

