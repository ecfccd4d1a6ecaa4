/**
 * The mbh-lab command line: `mbh-lab <command> [flags]`. Each command is a module under
 * commands/ exporting `run(args, io)` and `usage`; add a command by adding a line to
 * `commands`. Modules load lazily so one command's dependencies never slow another.
 */
import { oneLine, type Io } from './engine-io.ts';
import { BUSY_MESSAGE, isBusyError } from './busy.ts';

type CommandModule = { run(args: string[], io: Io): Promise<number>; usage?: string };

interface Command {
  summary: string;
  load(): Promise<CommandModule>;
  /** Picks another module for some arguments (undefined: the default one). */
  route?(args: readonly string[]): Promise<CommandModule> | undefined;
}

const commands: Record<string, Command> = {
  partition: {
    summary: 'exact activation regions of a model on a plane',
    load: () => import('./commands/partition.ts'),
  },
  measure: {
    summary: 'specialization s of a model (a file, or a zoo id) per phenomenon and cP',
    load: () => import('./commands/measure.ts'),
    // `--model 12` names a zoo model; `--model M.json` a file (the engine's command).
    route: (args) => (zooModelId(args) ? import('./commands/zoo-measure.ts') : undefined),
  },
  patterns: {
    summary: 'unique activation and layer patterns of a model on a data split (appendix E)',
    load: () => import('./commands/patterns.ts'),
  },
  tree: {
    summary: 'decision tree on the patterns of a hidden layer (appendix D)',
    load: () => import('./commands/tree.ts'),
  },
  stats: {
    summary: 'bootstrap intervals of s and accuracy; paired comparison of two setups',
    load: () => import('./commands/stats.ts'),
  },
  report: {
    summary: "an experiment's reproducible report as one self-contained HTML file (and PDF)",
    load: () => import('./commands/report.ts'),
  },
  train: {
    summary: 'train one model into the zoo',
    load: () => import('./commands/train.ts'),
  },
  experiment: {
    summary: 'run or plan a sweep of setups × seeds × datasets (spec file or preset)',
    load: () => import('./commands/experiment.ts'),
  },
  jobs: {
    summary: 'list jobs; resume every unfinished job; pause, cancel, retry one',
    load: () => import('./commands/jobs.ts'),
  },
  data: {
    summary: 'datasets: ls, import (CSV or IDX), rm',
    load: () => import('./commands/data.ts'),
  },
  zoo: {
    summary: 'models in the zoo: ls, show, export, import, rm',
    load: () => import('./commands/zoo.ts'),
  },
  info: {
    summary: 'version, training backend, zoo path',
    load: () => import('./commands/info.ts'),
  },
  limits: {
    summary: 'the region budget and worker heap limit (lab settings)',
    load: () => import('./commands/limits.ts'),
  },
  worker: {
    summary: "train a lab's runs on this machine, taken from its queue in Redis",
    load: () => import('./commands/worker.ts'),
  },
  serve: {
    summary: 'serve the lab UI to a browser on 127.0.0.1',
    load: () => import('./commands/serve.ts'),
  },
};

/** Whether `--model` (or `--model=`) is a positive integer, i.e. a zoo id. */
function zooModelId(args: readonly string[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const value =
      args[i] === '--model'
        ? args[i + 1]
        : args[i].startsWith('--model=')
          ? args[i].slice(8)
          : undefined;
    if (value !== undefined) return /^[1-9]\d*$/.test(value);
  }
  return false;
}

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(
    ([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`,
  );
  return `usage: mbh-lab <command> [flags]   (mbh-lab <command> --help for its flags)\n\ncommands:\n${lines.join('\n')}\n`;
}

const processIo: Io = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return name === undefined ? 1 : 0;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    io.stderr(`mbh-lab: unknown command "${name}"\n${usage()}`);
    return 1;
  }
  try {
    const module = await (command.route?.(rest) ?? command.load());
    return await module.run(rest, io);
  } catch (error) {
    const text = isBusyError(error)
      ? BUSY_MESSAGE
      : error instanceof Error
        ? oneLine(error.message)
        : String(error);
    io.stderr(`mbh-lab ${name}: ${text}\n`);
    return 2;
  }
}
