/**
 * Expectations files (`run --expectations FILE`, docs/expectations.md): the known failures of a user's
 * machines, one a line, in the style of Chromium's TestExpectations:
 *
 *   [ tfjs-tensorflow avx512 onednn-on ] conv/2d-same-s2 [ Failure ]  # https://github.com/org/repo/issues/12
 *   [ tfjs-wasm ] grad:softmax [ Failure ]  # the gradient cases of softmax: https://github.com/org/repo/issues/13
 *
 * A `grad:` prefix makes a line name gradient cases (`report.gradient`) alone; a line without it names
 * forward cases alone, so that a known forward failure never hides a gradient one, nor the reverse.
 *
 * Pure functions: parsing, and whether a line applies to a case on a backend given the machine's facts.
 */
import { matches } from '../golden/policy.js';
import { KERAS_VERSIONS, SEED_KERAS } from '../keras-versions.js';
import type { MachineFacts } from '../machine.js';
import type { ReportBackend } from './model.js';

export type ExpectedResult = 'Failure' | 'Skip';

export interface Expectation {
  /** 1-based line number in the file. */
  line: number;
  tags: string[];
  /** A case id, an id prefix ending in `*`, or an op name (without `grad:`). */
  pattern: string;
  /** The line names gradient cases (`grad:<pattern>`); absent: forward cases. */
  gradient?: true;
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

/** `keras-3.15.1`: the line applies to that Keras version's golden cases only. */
const KERAS_TAG = /^keras-(\d+\.\d+\.\d+)$/;

function kerasTagOf(tag: string): string | undefined {
  return KERAS_TAG.exec(tag)?.[1];
}

function isKerasTag(tag: string): boolean {
  return (KERAS_VERSIONS as readonly string[]).includes(kerasTagOf(tag) ?? '');
}

/** `[ tags ] pattern [ Result ]  # reason`; the tag list is optional. */
const LINE = /^(?:\[([^\]]*)\]\s*)?(\S+)\s*\[([^\]]*)\]\s*(?:#(.*))?$/;

/** Before a case pattern: the line names gradient cases. */
const GRADIENT_PREFIX = 'grad:';

/** Tags a user may reach for to mean gradient cases, which the prefix says instead. */
const GRADIENT_WORDS = new Set(['grad', 'gradient', 'gradients']);

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
  const unknown = tags.filter((t) => !FACT_TAGS[t] && !isKerasTag(t) && !backends.some((b) => namesBackend(t, b)));
  if (unknown.length) return unknownTags(unknown);
  const gradient = m[2].startsWith(GRADIENT_PREFIX);
  const pattern = gradient ? m[2].slice(GRADIENT_PREFIX.length) : m[2];
  if (!pattern) return `no case or op after '${GRADIENT_PREFIX}'`;
  if (!(RESULTS as readonly string[]).includes(result)) return `expected result must be Failure or Skip, not '${result}'`;
  if (!reason) return 'no reason: end the line with `# reason or link`';
  return { line, tags, pattern, ...(gradient ? { gradient: true as const } : {}), result: result as ExpectedResult, reason };
}

/** The tags a line may have; for a tag meaning gradients, where that is said instead. */
function unknownTags(unknown: readonly string[]): string {
  const versions = KERAS_VERSIONS.map((v) => `keras-${v}`).join(', ');
  const hint = unknown.some((t) => GRADIENT_WORDS.has(t)) ? `; gradient cases are named ${GRADIENT_PREFIX}<case-or-op>` : '';
  return `unknown tag ${unknown.map((t) => `'${t}'`).join(', ')} (tags: ${Object.keys(FACT_TAGS).join(', ')}, ${versions}, or a backend name${hint})`;
}

/** The line's case or op as written: `relu/f32-7`, `grad:relu/f32-7`. */
export function patternText(e: Expectation): string {
  return `${e.gradient ? GRADIENT_PREFIX : ''}${e.pattern}`;
}

/** As the exclusion list names adapters: `tfjs-wasm` names chromium:tfjs-wasm too (src/golden/policy.ts). */
function namesBackend(tag: string, backend: string): boolean {
  return matches(tag, backend) || matches(tag, backend.slice(backend.indexOf(':') + 1));
}

/**
 * Every tag of the line holds for the backend on this machine and, with `keras`, for that Keras version's
 * cases; without `keras`, the version tags are not asked.
 */
export function tagsHold(e: Expectation, backend: ReportBackend, machine: MachineFacts, keras?: string): boolean {
  return e.tags.every((t) => {
    if (FACT_TAGS[t]) return FACT_TAGS[t](backend, machine);
    if (isKerasTag(t)) return keras === undefined || kerasTagOf(t) === keras;
    return namesBackend(t, backend.name);
  });
}

/**
 * A case and the Keras version whose golden it is (absent: 3.6.0, the seed); `gradient`, its gradient
 * case (`report.gradient`), which shares the forward case's id and op.
 */
export interface ExpectedCase {
  id: string;
  op: string;
  keras?: string;
  gradient?: boolean;
}

/** A line names the forward cases or the gradient ones, never both. */
function sameKind(e: Expectation, c: ExpectedCase): boolean {
  return !!e.gradient === !!c.gradient;
}

function namesCase(e: Expectation, c: ExpectedCase): boolean {
  return sameKind(e, c) && (matches(e.pattern, c.id) || e.pattern === c.op);
}

/** The first line for this case on this backend, if any. */
export function expectationFor(set: ExpectationSet, c: ExpectedCase, backend: ReportBackend, machine: MachineFacts): Expectation | undefined {
  return set.lines.find((e) => namesCase(e, c) && tagsHold(e, backend, machine, kerasOf(c)));
}

/**
 * Lines that name no case of the run on a backend where their tags hold. A line whose tags hold on no
 * backend run (`nvidia` on a CPU machine), or on no Keras version run (`keras-3.15.1` in a run of 3.6.0
 * alone), is not one: it is for other machines or jobs; nor is a gradient line in a run without gradient
 * cases (`run --no-grad`), or a forward line in one without forward cases (`run --grad-only`).
 */
export function unmatchedLines(set: ExpectationSet, cases: readonly ExpectedCase[], backends: readonly ReportBackend[], machine: MachineFacts): Expectation[] {
  const holds = (e: Expectation, keras: string) => backends.some((b) => tagsHold(e, b, machine, keras));
  return set.lines.filter((e) => {
    const mine = cases.filter((c) => sameKind(e, c));
    const versions = [...new Set(mine.map(kerasOf))];
    return versions.some((v) => holds(e, v)) && !mine.some((c) => namesCase(e, c) && holds(e, kerasOf(c)));
  });
}

function kerasOf(c: ExpectedCase): string {
  return c.keras ?? SEED_KERAS;
}

