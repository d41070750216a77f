/// <reference types="node" />
/** The keras-parity command: `run`, `merge`, `compare`, `backends`, `golden`, `fuzz`, and help. Returns the exit status. */
import '../index.js';
import { GoldenUnavailableError, RUN, parseShard, resolveOps, runParity } from './run.js';
import { UsageError, closest, commandHelp, kerasValues, listValue, parseOptions, stringValue, type CommandSpec } from './args.js';
import { BACKENDS, backendsCommand } from './backends.js';
import { COMPARE, compareCommand, parseMaxUlpGrowth } from './compare.js';
import { EXTRA_BACKENDS_VAR, loadExtraBackends } from './extra.js';
import { FUZZ, fuzzCommand } from './fuzz.js';
import { GOLDEN, goldenCommand } from './golden.js';
import { MERGE, mergeCommand } from './merge.js';
import { KERAS_VERSIONS } from '../keras-versions.js';
import { packageVersion } from '../paths.js';
import { paint, useColor, type Output } from './progress.js';

const BIN = 'keras-parity';
const COMMANDS: readonly CommandSpec[] = [RUN, MERGE, COMPARE, BACKENDS, GOLDEN, FUZZ];
/** The commands that take files as well as options. */
const TAKE_FILES = new Set(['merge', 'compare']);

export interface Streams {
  stdout: Output;
  stderr: Output;
}

export function generalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    `Usage: ${BIN} <command> [options]`,
    '',
    `Keras's keras.ops.nn (Keras ${KERAS_VERSIONS.join(', ')}) in TypeScript, checked against real Keras on every backend.`,
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.brief}`),
    '',
    `Run '${BIN} <command> --help' for a command's options; '${BIN} --version' prints the version.`,
    '',
    'Environment:',
    '  KERAS_PARITY_GOLDEN_DIR      golden folder, one set or keras-<version>/ sets (default: the package\'s golden/)',
    `  ${EXTRA_BACKENDS_VAR}  modules whose default export ({ registerBackend }) => void registers more`,
    '                               backends (separated as in PATH)',
    '  NO_COLOR                     no colours',
    '',
  ].join('\n');
}

export async function cli(argv: readonly string[], streams: Streams = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const { stdout, stderr } = streams;
  const [first, ...rest] = argv;
  try {
    if (first === undefined) {
      stderr.write(generalHelp());
      return 2;
    }
    if (first === '--help' || first === '-h' || first === 'help') {
      const spec = rest[0] ? commandSpec(rest[0]) : undefined;
      stdout.write(spec ? commandHelp(BIN, spec) : generalHelp());
      return 0;
    }
    if (first === '--version' || first === '-v') {
      stdout.write(`${packageVersion()}\n`);
      return 0;
    }
    const spec = commandSpec(first);
    const { files, options } = TAKE_FILES.has(spec.name) ? splitFiles(rest, spec) : { files: [], options: rest };
    const parsed = parseOptions(options, spec);
    if (parsed.help) {
      stdout.write(commandHelp(BIN, spec));
      return 0;
    }
    await loadExtraBackends();
    switch (spec.name) {
      case 'run': {
        if (parsed.values['no-bench'] === true && parsed.values.bench !== undefined) {
          throw new UsageError('run: --bench and --no-bench cannot both be given', 'run');
        }
        const result = await runParity({
          backends: listValue(parsed, 'backend'),
          ops: listValue(parsed, 'op'),
          keras: kerasValues(parsed),
          required: listValue(parsed, 'require'),
          out: stringValue(parsed, 'out') ?? 'parity-report',
          goldenDir: stringValue(parsed, 'golden'),
          bench: parsed.values['no-bench'] === true ? null : stringValue(parsed, 'bench'),
          progress: stringValue(parsed, 'progress') as 'auto' | 'bar' | 'lines' | 'none' | undefined,
          command: [BIN, ...argv].map(shellQuote).join(' '),
          argv: [...argv],
          label: stringValue(parsed, 'label'),
          shard: parsed.values.shard === undefined ? undefined : parseShard(stringValue(parsed, 'shard')!),
          junit: stringValue(parsed, 'junit'),
          baseline: stringValue(parsed, 'baseline'),
          maxUlpGrowth: parseMaxUlpGrowth(stringValue(parsed, 'max-ulp-growth'), 'run'),
          expectations: stringValue(parsed, 'expectations'),
          strictExpectations: parsed.values['strict-expectations'] === true,
          grad: parsed.values['no-grad'] !== true,
          gradOnly: parsed.values['grad-only'] === true,
          stdout,
          stderr,
        });
        return result.exitCode;
      }
      case 'merge':
        return mergeCommand(
          {
            files,
            out: stringValue(parsed, 'out'),
            junit: stringValue(parsed, 'junit'),
            allowMixedGoldens: parsed.values['allow-mixed-goldens'] === true,
            command: [BIN, ...argv].map(shellQuote).join(' '),
            argv: [...argv],
          },
          stdout,
          stderr,
        );
      case 'compare':
        return compareCommand({ files, maxUlpGrowth: stringValue(parsed, 'max-ulp-growth'), markdown: stringValue(parsed, 'markdown') }, stdout);
      case 'backends':
        return await backendsCommand(parsed.values.json === true, stdout, kerasValues(parsed));
      case 'golden': {
        const ops = listValue(parsed, 'op');
        return await goldenCommand(
          {
            keras: kerasValues(parsed),
            python: stringValue(parsed, 'python'),
            ops: ops && resolveOps(ops, 'golden'),
            out: stringValue(parsed, 'out'),
            check: parsed.values.check === true,
            progress: stringValue(parsed, 'progress'),
          },
          stdout,
          stderr,
        );
      }
      case 'fuzz':
        return await fuzzCommand(
          {
            keras: kerasValues(parsed),
            ops: listValue(parsed, 'op'),
            backends: listValue(parsed, 'backend'),
            cases: stringValue(parsed, 'cases'),
            seed: stringValue(parsed, 'seed'),
            python: stringValue(parsed, 'python'),
            timeout: stringValue(parsed, 'timeout'),
            save: parsed.values.save as string | true | undefined,
            grad: parsed.values.grad === true,
            progress: stringValue(parsed, 'progress'),
          },
          stdout,
          stderr,
        );
    }
    return 2;
  } catch (e) {
    const color = useColor(stderr);
    if (e instanceof UsageError) {
      const help = e.command ? `${BIN} ${e.command} --help` : `${BIN} --help`;
      stderr.write(`${paint(color, 'red', `${BIN}`)}: ${e.message}\nRun '${help}' for usage.\n`);
      return 2;
    }
    if (e instanceof GoldenUnavailableError) {
      stderr.write(`${paint(color, 'red', `${BIN}`)}: ${e.message}\n`);
      return 3;
    }
    throw e;
  }
}

function commandSpec(name: string): CommandSpec {
  const spec = COMMANDS.find((c) => c.name === name);
  if (spec) return spec;
  const hint = closest(name, COMMANDS.map((c) => c.name));
  throw new UsageError(`unknown command '${name}'${hint ? ` (did you mean ${hint}?)` : ''}. Commands: ${COMMANDS.map((c) => c.name).join(', ')}`);
}

/**
 * The file arguments of a command that takes them, apart from its options: every argument that is
 * neither an option nor the value after one that takes a value.
 */
function splitFiles(argv: readonly string[], spec: CommandSpec): { files: string[]; options: string[] } {
  const files: string[] = [];
  const options: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-') || arg === '-') {
      files.push(arg);
      continue;
    }
    options.push(arg);
    const option = spec.options.find((o) => `--${o.name}` === arg);
    if (option?.value && !option.optional && i + 1 < argv.length) options.push(argv[++i]);
  }
  return { files, options };
}

/** The argument as a POSIX shell would need it, for the command line in the report. */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
