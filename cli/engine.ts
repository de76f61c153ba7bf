// `iii-isomorphic engine [--port N] [--host H] [--config file.json] [--log]`: the reference engine
// (test/engine, published as `iii-isomorphic/testing`) in a process of its own. Prints one ready
// line per listener, first listener first:
//   iii reference engine listening on ws://127.0.0.1:PORT
// and exits 0 on SIGINT / SIGTERM. The config file holds EngineOptions as JSON (docs/testing.md).
import { readFileSync } from 'node:fs';
import { readFlags } from './flags.js';
import { DEFAULT_ENGINE_PORT, startEngine, validateEngineOptions, type EngineOptions } from '../test/engine/index.js';

export const USAGE = `Usage: iii-isomorphic engine [--port N] [--host H] [--config file.json] [--log]

  --port N       port of the first listener (default ${DEFAULT_ENGINE_PORT}; 0 = any free port)
  --host H       host of the listeners that name none (default 127.0.0.1)
  --config FILE  engine options as JSON: listeners, RBAC, queue, timings (docs/testing.md)
  --log          engine log lines on stderr

Prints "iii reference engine listening on ws://HOST:PORT" once per listener; stops on SIGINT/SIGTERM.
`;

interface Args {
  port?: number;
  host?: string;
  config?: string;
  log?: boolean;
  help?: boolean;
}

function parseArgs(argv: string[]): Args {
  const out: Args = {};
  readFlags(argv, USAGE, (flag, value, a) => {
    if (flag === '--port') {
      const raw = value();
      const n = Number(raw);
      if (!/^\d+$/.test(raw) || n > 65535) throw new Error(`--port must be an integer 0–65535, got "${raw}"`);
      out.port = n;
    } else if (flag === '--host') out.host = value();
    else if (flag === '--config') out.config = value();
    else if (flag === '--log') out.log = true;
    else if (flag === '--help' || flag === '-h') out.help = true;
    else if (flag !== '--') throw new Error(`unknown option "${a}"\n\n${USAGE}`);
  });
  return out;
}

function readConfig(file: string): EngineOptions {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`--config ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`--config ${file}: not valid JSON (${(e as Error).message})`);
  }
  return validateEngineOptions(value, `--config ${file}`, { allowLog: false });
}

export async function run(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  const options: EngineOptions = args.config !== undefined ? readConfig(args.config) : {};
  if (args.host !== undefined) options.host = args.host;
  // --port, else the file's, else 49134 (the real engine's default) sets the first listener.
  const port = args.port ?? options.listeners?.[0]?.port ?? options.port ?? DEFAULT_ENGINE_PORT;
  if (options.listeners) options.listeners[0] = { ...options.listeners[0], port };
  else options.port = port;
  if (args.log) {
    options.log = (level, message, data) =>
      process.stderr.write(`[engine ${level}] ${message}${data === undefined ? '' : ` ${JSON.stringify(data)}`}\n`);
  }
  // This process is the engine's own: it may collect garbage eagerly (memory.ts).
  options.ownProcess ??= true;
  // Signals are handled before the ready line is printed: whoever reads it may signal at once.
  let engine: Awaited<ReturnType<typeof startEngine>> | undefined;
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    const closed = engine ? engine.close() : Promise.resolve();
    closed.then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    engine = await startEngine(options);
  } catch (e) {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    const err = e as NodeJS.ErrnoException & { port?: number; address?: string };
    if (err.code === 'EADDRINUSE') throw new Error(`${err.address ?? ''}:${err.port ?? port} is in use (EADDRINUSE): stop what listens there or pass another --port`);
    throw e;
  }
  if (stopping) {
    await engine.close();
    process.exit(0);
  }
  for (const l of engine.listeners) process.stdout.write(`iii reference engine listening on ${l.url}\n`);
}
