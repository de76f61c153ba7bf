#!/usr/bin/env node
// The package binary, `iii-isomorphic <command> [options]` (Node only). Each command is one
// module of this folder, loaded only when it runs; adding one is a file and a line in COMMANDS.
// This folder is not under src/: src/ is the runtime-neutral core, and a CLI is Node's business.

interface Command {
  summary: string;
  load(): Promise<{ run(argv: string[]): Promise<void> }>;
}

const COMMANDS: Record<string, Command> = {
  engine: { summary: 'start the reference iii engine (docs/testing.md)', load: () => import('./engine.js') },
  types: { summary: "write a declaration that types trigger() from a running engine's functions (docs/guide.md: Typed end to end)", load: () => import('./types.js') },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: iii-isomorphic <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun \`iii-isomorphic <command> --help\` for a command's options.\n`;
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    process.stderr.write(`iii-isomorphic: unknown command "${name}"\n\n${usage()}`);
    process.exitCode = 2;
    return;
  }
  await (await command.load()).run(rest);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`iii-isomorphic: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
