import { KERAS_VERSIONS, type KerasVersion } from '../keras-versions.js';

/**
 * Command-line parsing: `--name value`, `--name=value`, boolean `--name`, list options given as
 * `a,b` or repeated. Anything unknown is a UsageError naming it, with the closest known name.
 */

/** A mistake in the command line: exit status 2, the message, and where to read the usage. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  name: string;
  /** The value's placeholder in help (`LIST`, `DIR`); absent for a boolean flag. */
  value?: string;
  /** Comma-separated and repeatable: the values accumulate. */
  list?: boolean;
  /** Allowed values, checked here. */
  choices?: readonly string[];
  /** The value may be left out (`--save` or `--save NAME`): then the option is `true`. */
  optional?: boolean;
  help: string;
}

/** `--progress MODE`, the same on every command that shows progress. */
export const PROGRESS_OPTION: OptionSpec = {
  name: 'progress',
  value: 'MODE',
  choices: ['auto', 'bar', 'lines', 'none'],
  help: 'auto (a bar on a terminal, else lines), bar, lines or none',
};

/** `--keras VERSION[,VERSION]`: which supported Keras versions a command covers. */
export function kerasOption(fallback: string): OptionSpec {
  return { name: 'keras', value: 'VERSION', list: true, choices: KERAS_VERSIONS, help: `Keras versions: ${KERAS_VERSIONS.join(', ')} (default: ${fallback})` };
}

/** The versions `--keras` names, each once, oldest first; undefined when not given. */
export function kerasValues(p: Parsed): KerasVersion[] | undefined {
  const given = listValue(p, 'keras');
  return given && KERAS_VERSIONS.filter((v) => given.includes(v));
}

export interface CommandSpec {
  name: string;
  /** One line, for the list of commands. */
  brief: string;
  summary: string;
  /** Extra help text, after the options. */
  details?: string;
  options: readonly OptionSpec[];
}

export interface Parsed {
  /** Booleans for flags, strings for values, string[] for lists; absent when not given. */
  values: Record<string, string | boolean | string[]>;
  help: boolean;
}

const HELP: OptionSpec = { name: 'help', help: 'show this help' };

export function parseOptions(argv: readonly string[], spec: CommandSpec): Parsed {
  const options = [...spec.options, HELP];
  const values: Parsed['values'] = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h') {
      values.help = true;
      continue;
    }
    if (!arg.startsWith('--') || arg === '--') {
      throw new UsageError(`${spec.name}: unexpected argument '${arg}'`, spec.name);
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const option = options.find((o) => o.name === name);
    if (!option) {
      const hint = closest(name, options.map((o) => o.name));
      throw new UsageError(`${spec.name}: unknown option '--${name}'${hint ? ` (did you mean --${hint}?)` : ''}`, spec.name);
    }
    if (!option.value) {
      if (eq >= 0) throw new UsageError(`${spec.name}: --${name} takes no value`, spec.name);
      values[name] = true;
      continue;
    }
    if (option.optional && eq < 0 && (argv[i + 1] === undefined || argv[i + 1].startsWith('-'))) {
      values[name] = true;
      continue;
    }
    let value: string | undefined = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--'))) {
      throw new UsageError(`${spec.name}: --${name} needs a value (${option.value})`, spec.name);
    }
    value = value.trim();
    if (option.list) {
      const items = value.split(',').map((s) => s.trim()).filter(Boolean);
      if (!items.length) throw new UsageError(`${spec.name}: --${name} needs at least one name`, spec.name);
      const bad = option.choices && items.find((item) => !option.choices!.includes(item));
      if (bad) throw new UsageError(`${spec.name}: --${name} takes ${option.choices!.join(', ')}, not '${bad}'`, spec.name);
      values[name] = [...((values[name] as string[] | undefined) ?? []), ...items];
      continue;
    }
    if (option.choices && !option.choices.includes(value)) {
      throw new UsageError(`${spec.name}: --${name} must be one of ${option.choices.join(', ')}, not '${value}'`, spec.name);
    }
    if (value === '') throw new UsageError(`${spec.name}: --${name} needs a value (${option.value})`, spec.name);
    values[name] = value;
  }
  const help = values.help === true;
  delete values.help;
  return { values, help };
}

export function listValue(p: Parsed, name: string): string[] | undefined {
  return p.values[name] as string[] | undefined;
}

export function stringValue(p: Parsed, name: string): string | undefined {
  return p.values[name] as string | undefined;
}

/** The help text of a command. */
export function commandHelp(bin: string, spec: CommandSpec): string {
  const options = [...spec.options, HELP];
  const left = options.map((o) => `  --${o.name}${o.value ? (o.optional ? ` [${o.value}]` : ` ${o.value}`) : ''}`);
  const width = Math.max(...left.map((l) => l.length)) + 2;
  const lines = [
    `Usage: ${bin} ${spec.name} [options]`,
    '',
    spec.summary,
    '',
    'Options:',
    ...options.map((o, i) => `${left[i].padEnd(width)}${o.help}`),
  ];
  if (spec.details) lines.push('', spec.details);
  return `${lines.join('\n')}\n`;
}

/** The known name nearest to `name` when it is plausibly a typo of it (edit distance <= 1/3 of its length). */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = distance(name.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

/** Levenshtein distance. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}
