/**
 * `Logger` of the seed: `info`/`warn`/`error`/`debug(message, data?)`. Each call is sent to the
 * engine's observability worker as a void `engine::log::<level>` invocation (§5) and mirrored
 * to the console. Levels below the chosen `logLevel` do neither.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type ConsoleSink = Pick<Console, 'debug' | 'info' | 'warn' | 'error'>;

/** Where log records go besides the console; the client sends them as `engine::log::*`. */
export type LogForwarder = (level: Exclude<LogLevel, 'silent'>, message: string, data: unknown) => void;

export class Logger {
  readonly #level: number;
  readonly #console: ConsoleSink | undefined;
  readonly #forward: LogForwarder | undefined;
  readonly #prefix: string;

  constructor(options: { level: LogLevel; console?: ConsoleSink; forward?: LogForwarder; prefix?: string }) {
    this.#level = RANK[options.level] ?? RANK.info;
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
    const sink = this.#console;
    if (!sink) return;
    if (data === undefined) sink[level](`${this.#prefix} ${message}`);
    else sink[level](`${this.#prefix} ${message}`, data);
  }
}
