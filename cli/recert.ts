// The `recert` command line (`npm run recert -- <command> ...`). Each command lives in
// cli/commands/<command>.ts and exports `description` and `run(args)`.
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../runtime/env.js';
import { adoptRunningInstance } from '../runtime/instance-file.js';
import { PortInUseError } from '../runtime/ports.js';
import { InvalidQueryError } from '../runtime/query-error.js';
import { PolicyError } from '../db/policy-repository.js';
import { NotAllowedError, UnavailableError, UsageError, type Command } from './command.js';

const commandsDir = fileURLToPath(new URL('./commands', import.meta.url));

function commandNames(): string[] {
  return readdirSync(commandsDir)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => file.replace(/\.ts$/, ''))
    .sort();
}

async function loadCommand(name: string): Promise<Command | undefined> {
  if (!/^[a-z][a-z-]*$/.test(name) || !existsSync(`${commandsDir}/${name}.ts`)) return undefined;
  return (await import(`./commands/${name}.js`)) as Command;
}

async function printHelp() {
  const lines = ['Usage: recert <command> [options]', '', 'Commands:'];
  for (const name of commandNames()) {
    const command = await loadCommand(name);
    lines.push(`  ${name.padEnd(14)}${command?.description ?? ''}`);
  }
  lines.push('', 'Run `recert <command> --help` for the options of one command.');
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function main(argv: string[]): Promise<number> {
  adoptRunningInstance();
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    await printHelp();
    return name ? 0 : 2;
  }
  const command = await loadCommand(name);
  if (!command) {
    process.stderr.write(`Unknown command "${name}". Commands: ${commandNames().join(', ')}.\n`);
    return 2;
  }
  return (await command.run(args)) ?? 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (
      error instanceof UsageError ||
      error instanceof ConfigError ||
      error instanceof InvalidQueryError
    ) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    // An unusable policy file is bad input, like a bad import file, so it exits 1. A taken
    // port is a setup problem whose message names the fix.
    if (
      error instanceof PolicyError ||
      error instanceof PortInUseError ||
      error instanceof NotAllowedError ||
      error instanceof UnavailableError
    ) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
