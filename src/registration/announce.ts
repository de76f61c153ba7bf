/**
 * Telling the engine about a registration (send policy `register`: now on an open socket, else
 * in the next opening sequence's replay), once its formats are in wire form (formats.ts).
 */
import { errorMessage } from '../errors.js';
import { encodeFrame, type OutboundFrame } from '../protocol/index.js';
import type { FunctionFormat } from '../schema.js';
import type { RegistrationContext } from './context.js';
import { wireFormats } from './formats.js';

export interface Announcement<F extends OutboundFrame> {
  /** Names the registration in errors, e.g. `registerFunction("a::b")`. */
  what: string;
  formats: Record<string, FunctionFormat | undefined>;
  /** The frame, given the formats in wire form. */
  build(wire: Record<string, unknown>): F;
  /** Where the frame is kept for the replay; absent until it is said. */
  entry: { id: string; frame?: F };
  /** The registry's map the entry goes into once its frame is known to encode; withdrawing takes it out. */
  into: Map<string, { id: string; frame?: F }>;
}

export class Announcer {
  readonly #ctx: Pick<RegistrationContext, 'link' | 'report'>;
  /** Conversions under way; `settled()` waits for them. */
  readonly #converting = new Set<Promise<void>>();
  /** Conversions whose converter failed to load; the next `settled()` tries them again. */
  readonly #retries = new Set<() => void>();

  constructor(ctx: Pick<RegistrationContext, 'link' | 'report'>) {
    this.#ctx = ctx;
  }

  /**
   * Stores and says `a`. Throws (a TypeError) before anything is stored when the frame cannot be
   * encoded; with a valibot format, the frame is said once the converter has loaded.
   */
  announce<F extends OutboundFrame>(a: Announcement<F>): void {
    const wire = wireFormats(a.formats);
    const sync = !(wire instanceof Promise);
    // With a valibot format, the rest of the frame is checked now, without the formats: the
    // converter's output always encodes.
    const frame = a.build(sync ? wire : {});
    let text: string;
    try {
      text = encodeFrame(frame);
    } catch (err) {
      throw new TypeError(`${a.what}: not JSON-serializable: ${errorMessage(err)}`, { cause: err });
    }
    a.into.set(a.entry.id, a.entry);
    if (!sync) return this.#convert(a, wire);
    a.entry.frame = frame;
    this.#ctx.link.submit('register', text);
  }

  /** Resolves once no registration waits for its formats; rejects when a converter failed to load. */
  settled(): Promise<void> {
    for (const retry of this.#retries) retry();
    this.#retries.clear();
    return Promise.all(this.#converting).then(() => undefined);
  }

  #convert<F extends OutboundFrame>(a: Announcement<F>, wire: Promise<Record<string, unknown>>): void {
    const job = wire.then(
      (formats) => {
        if (a.into.get(a.entry.id) !== a.entry) return;
        a.entry.frame = a.build(formats);
        this.#ctx.link.submit('register', encodeFrame(a.entry.frame));
      },
      (error: unknown) => {
        this.#retries.add(() => this.#convert(a, Promise.resolve(wireFormats(a.formats))));
        const failure = new Error(
          `${a.what}: @valibot/to-json-schema could not be loaded to convert its valibot schema ` +
            `(${errorMessage(error)}); the next ready() loads it again and then registers it`,
          { cause: error },
        );
        this.#ctx.report(failure);
        throw failure;
      },
    );
    this.#converting.add(job);
    const done = () => void this.#converting.delete(job);
    job.then(done, done);
  }
}
