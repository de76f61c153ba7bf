// `iii-isomorphic types [--url ws://…] > iii-functions.d.ts`: connects to a running engine, reads
// its functions with their request and response formats (`listFunctions`, which asks
// `engine::functions::info` for them) and prints a declaration that adds them to the function
// registry (`IIIFunctions`), so that `trigger({ function_id, payload })` checks the payload and
// infers the result. The declaration goes to stdout and nothing else does; a summary goes to
// stderr. The address is printed with its credentials masked.
import type { FunctionInfo } from '../src/info.js';
import { docComment, schemaToType } from './json-schema-ts.js';

export const USAGE = `Usage: iii-isomorphic types [--url URL] [options] > iii-functions.d.ts

Prints a TypeScript declaration of the functions a running engine knows, with the types of
their request and response formats, as entries of iii-isomorphic's function registry.

  --url URL           engine address (default: env III_URL, else ws://127.0.0.1:49134)
  --header "K: V"     an upgrade header, e.g. an Authorization token (repeatable)
  --prefix P          only functions whose id starts with P
  --namespace NS      for an id registered in several namespaces, the one that wins (default: default)
  --include-internal  also functions marked internal (the engine's own engine::* are typed already)
  --timeout MS        give up after MS milliseconds (default 15000)
`;

export interface TypesOptions {
  url?: string;
  headers: Record<string, string>;
  prefix?: string;
  namespace: string;
  includeInternal: boolean;
  timeoutMs: number;
  help?: boolean;
}

export function parseArgs(argv: string[]): TypesOptions {
  const out: TypesOptions = { headers: {}, namespace: 'default', includeInternal: false, timeoutMs: 15_000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const [flag, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value\n\n${USAGE}`);
      return v;
    };
    if (flag === '--url') out.url = value();
    else if (flag === '--prefix') out.prefix = value();
    else if (flag === '--namespace') out.namespace = value();
    else if (flag === '--include-internal') out.includeInternal = true;
    else if (flag === '--header') {
      const header = value();
      const colon = header.indexOf(':');
      if (colon <= 0) throw new Error(`--header must read "Name: value", got "${header.slice(0, 40)}"`);
      out.headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
    } else if (flag === '--timeout') {
      const raw = value();
      if (!/^\d+$/.test(raw) || Number(raw) === 0) throw new Error(`--timeout must be a positive number of milliseconds, got "${raw}"`);
      out.timeoutMs = Number(raw);
    } else if (flag === '--help' || flag === '-h') out.help = true;
    else throw new Error(`unknown option "${a}"\n\n${USAGE}`);
  }
  return out;
}

/** `address` with the password of its user info and every query value masked, for printing. */
export function maskAddress(address: string): string {
  try {
    const url = new URL(address);
    if (url.password) url.password = '***';
    for (const key of new Set(url.searchParams.keys())) url.searchParams.set(key, '***');
    return url.href.replace(/%2A%2A%2A/g, '***');
  } catch {
    return '<an address that is not a URL>';
  }
}

const ENGINE_PREFIX = 'engine::';

/**
 * One function per id, sorted by id, without the engine's own (the SDK types those already): for
 * an id in several namespaces, the one in `namespace` wins, then `default`, then the first listed.
 */
export function selectFunctions(functions: FunctionInfo[], namespace: string): FunctionInfo[] {
  const rank = (f: FunctionInfo) => (f.namespace === namespace ? 0 : f.namespace === 'default' ? 1 : 2);
  const byId = new Map<string, FunctionInfo>();
  for (const f of functions) {
    if (f.function_id.startsWith(ENGINE_PREFIX)) continue;
    const seen = byId.get(f.function_id);
    if (!seen || rank(f) < rank(seen)) byId.set(f.function_id, f);
  }
  return [...byId.values()].sort((a, b) => (a.function_id < b.function_id ? -1 : a.function_id > b.function_id ? 1 : 0));
}

/** The declaration text for `functions` (see {@link selectFunctions}): one registry entry per id. */
export function declarationFor(functions: FunctionInfo[], source: { address: string; namespace: string; at?: Date }): string {
  const selected = selectFunctions(functions, source.namespace);
  const entries = selected.map((f) => {
    const id = f.function_id;
    const where = [f.worker_name && `worker ${f.worker_name}`, f.namespace && f.namespace !== 'default' && `namespace ${f.namespace}`].filter(Boolean).join(', ');
    const doc = docComment({ description: [f.description, where && `(${where})`].filter(Boolean).join(' ') }, '    ');
    const input = schemaToType(f.request_format, '      ');
    const output = schemaToType(f.response_format, '      ');
    return `${doc}    ${JSON.stringify(id)}: {\n      input: ${input};\n      output: ${output};\n    };`;
  });
  const stamp = source.at ? ` on ${source.at.toISOString()}` : '';
  return [
    `// Generated by \`iii-isomorphic types\` from ${maskAddress(source.address)}${stamp}: ${selected.length} functions.`,
    '// Do not edit: run the command again when the functions change. Without a format, a side is `unknown`.',
    "import 'iii-isomorphic';",
    '',
    "declare module 'iii-isomorphic' {",
    '  interface IIIFunctions {',
    ...entries,
    '  }',
    '}',
    '',
  ].join('\n');
}

export interface Io {
  out: { write(text: string): unknown };
  err: { write(text: string): unknown };
  env: Record<string, string | undefined>;
}

/** Runs the command; `io` is the process's by default (tests pass their own). */
export async function run(argv: string[], io: Io = { out: process.stdout, err: process.stderr, env: process.env }): Promise<void> {
  const options = parseArgs(argv);
  if (options.help) {
    io.out.write(USAGE);
    return;
  }
  const address = options.url ?? io.env.III_URL ?? 'ws://127.0.0.1:49134';
  // The SDK is loaded only when the command runs.
  const { registerWorker } = await import('../platform/node/index.js');
  const iii = registerWorker(address, {
    workerName: `iii-isomorphic-types:${process.pid}`,
    workerDescription: 'iii-isomorphic types: reads the function list, then leaves',
    headers: options.headers,
    // stdout is the declaration: the SDK must print nothing there.
    logLevel: 'silent',
    reconnect: { maxRetries: 0 },
    heartbeat: false,
    invocationTimeoutMs: options.timeoutMs,
    handshakeTimeoutMs: options.timeoutMs,
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const listing = (async () => {
      await iii.ready();
      return iii.listFunctions({ include_internal: options.includeInternal, ...(options.prefix === undefined ? {} : { prefix: options.prefix }) });
    })();
    listing.catch(() => {}); // when the timeout wins, a later failure has nobody else to tell
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no function list from ${maskAddress(address)} within ${options.timeoutMs} ms`)), options.timeoutMs);
    });
    const functions = await Promise.race([listing, timeout]);
    io.out.write(declarationFor(functions, { address, namespace: options.namespace, at: new Date() }));
    io.err.write(`iii-isomorphic types: ${selectFunctions(functions, options.namespace).length} functions from ${maskAddress(address)}\n`);
  } catch (error) {
    // Whatever the SDK said, the address in it is printed masked.
    const reason = (error instanceof Error ? error.message : String(error)).split(address).join(maskAddress(address));
    throw new Error(`could not read the functions of ${maskAddress(address)}: ${reason}`);
  } finally {
    clearTimeout(timer);
    await iii.shutdown();
  }
}
