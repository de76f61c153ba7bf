/**
 * `Logger` of the seed: `info`/`warn`/`error`/`debug(message, data?)`. A client's `iii.logger`
 * sends each record to the engine's observability worker as a void `engine::log::<level>`
 * invocation (§5) and mirrors it to the console; a `new Logger()` of your own prints to the
 * console only. Levels below the chosen one do neither.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type ConsoleSink = Pick<Console, 'debug' | 'info' | 'warn' | 'error'>;

/** Where log records go besides the console; the client sends them as `engine::log::*`. */
export type LogForwarder = (level: Exclude<LogLevel, 'silent'>, message: string, data: unknown) => void;

export interface LoggerOptions {
  /** Records below this level are dropped. @default 'info' */
  level?: LogLevel;
  /** Where records are printed. @default the global `console`, looked up at each record */
  console?: ConsoleSink;
  /** Also hands every record to this function (a client's logger sends it to the engine). */
  forward?: LogForwarder;
  /** Printed before each message. @default '[iii]' */
  prefix?: string;
}

export class Logger {
  readonly #level: number;
  readonly #console: ConsoleSink | undefined;
  readonly #forward: LogForwarder | undefined;
  readonly #prefix: string;

  /** `new Logger()` prints `info` and above to the console, like the seed's. */
  constructor(options: LoggerOptions = {}) {
    this.#level = RANK[options.level ?? 'info'] ?? RANK.info;
    this.#console = options.console;
    this.#forward = options.forward;
    this.#prefix = options.prefix ?? '[iii]';
  }

  debug(message: string, data?: unknown): void {
    this.#log('debug', message, data);
  }
  info(message: string, data?: unknown): void {
    this.#log('info', message, data);
  }
  warn(message: string, data?: unknown): void {
    this.#log('warn', message, data);
  }
  error(message: string, data?: unknown): void {
    this.#log('error', message, data);
  }

  #log(level: Exclude<LogLevel, 'silent'>, message: string, data: unknown): void {
    if (RANK[level] < this.#level) return;
    this.#forward?.(level, message, data);
    // Looked up per record, not at construction: a test (or an app) may replace console later.
    const sink = this.#console ?? globalThis.console;
    if (data === undefined) sink[level](`${this.#prefix} ${message}`);
    else sink[level](`${this.#prefix} ${message}`, data);
  }
}

/**
 * The forward of a client's logger: each record as a void `engine::log::<level>` call (§5)
 * with the worker's name as `service_name`, handed to `send`.
 */
export function toEngine(
  serviceName: string,
  send: (request: { function_id: string; payload: Record<string, unknown>; action: { type: 'void' } }) => void,
): LogForwarder {
  return (level, message, data) => {
    const payload: Record<string, unknown> = { message, service_name: serviceName };
    if (data !== undefined) payload.data = data;
    send({ function_id: `engine::log::${level}`, payload, action: { type: 'void' } });
  };
}
