/**
 * Where each connection attempt dials. Credentials travel only in the upgrade request (§1.3), so a
 * token that expires must be in the address of the attempt that uses it: `registerWorker` takes a
 * fixed address or an `AddressSupplier`, called before every attempt. The address is a secret
 * holder like the headers: it is shown redacted, and whatever goes wrong is scrubbed of the
 * query values of the latest addresses (redact.ts).
 */
import { isThenable } from '../arguments.js';
import { toError } from '../errors.js';
import { addressProblem } from '../option-checks.js';
import type { AddressSupplier } from '../options.js';
import type { Platform, TimerHandle } from '../platform.js';
import { redactUrl, scrub, secretsOf } from '../redact.js';

export class EngineAddress {
  readonly #source: string | AddressSupplier;
  readonly #headers: Record<string, string> | undefined;
  #current: string | undefined;
  /** Of the headers, the current address and the one before it (a late error of the old socket may quote it). */
  #secrets: string[];

  constructor(source: string | AddressSupplier, headers: Record<string, string> | undefined) {
    this.#source = source;
    this.#headers = headers;
    this.#current = typeof source === 'string' ? source : undefined;
    this.#secrets = secretsOf(this.#current ?? '', headers);
  }

  /** The address the latest attempt dialed (a fixed address from the start); `undefined` until a supplier first answers. */
  get current(): string | undefined {
    return this.#current;
  }

  /** The address as messages show it: query values and password as `***`. */
  get shown(): string {
    return this.#current === undefined ? 'the address the address function gives' : redactUrl(this.#current);
  }

  get secrets(): readonly string[] {
    return this.#secrets;
  }

  /**
   * The address for the next attempt: a string at once (a fixed address, a synchronous
   * function), an Error when the function threw or gave something else than a ws:// or wss://
   * URL, or, while its promise is pending, its deadline timer (`timeoutMs`): `answer` then gets
   * the address or the Error, once, unless the caller cleared the timer meanwhile.
   */
  ask(platform: Platform, timeoutMs: number, answer: (address: string | Error) => void): string | Error | { deadline: TimerHandle } {
    const source = this.#source;
    if (typeof source === 'string') return source;
    let given: string | PromiseLike<string>;
    try {
      given = source();
      if (!isThenable(given)) return this.#accept(given);
    } catch (error) {
      return this.#failed(error);
    }
    let settled = false;
    const settle = (result: string | Error) => {
      if (settled) return;
      settled = true;
      platform.clearTimeout(deadline);
      answer(result);
    };
    const deadline = platform.setTimeout(() => settle(new Error(`the address function did not answer within ${timeoutMs}ms`)), timeoutMs);
    given.then(
      (address) => settle(this.#accept(address)),
      (error: unknown) => settle(this.#failed(error)),
    );
    return { deadline };
  }

  #accept(answer: unknown): string | Error {
    const problem = addressProblem(answer);
    if (problem) return new Error(`the address function returned ${problem}`);
    const address = answer as string;
    if (address !== this.#current) {
      const previous = this.#current === undefined ? [] : secretsOf(this.#current, undefined);
      this.#current = address;
      this.#secrets = [...new Set([...secretsOf(address, this.#headers), ...previous])];
    }
    return address;
  }

  #failed(error: unknown): Error {
    const cause = scrub(toError(error), this.#secrets);
    return new Error(`the address function failed: ${cause.message}`, { cause });
  }
}
