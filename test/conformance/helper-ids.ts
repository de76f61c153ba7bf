/** Function ids served by the orchestrator's Node helper worker (test/runtimes/orchestrator.ts). */
// The RBAC listener's auth function is served by the helper too, under AUTH_FUNCTION_ID of
// test/external-engine.ts (one id for every suite, so an external engine needs one config).
export const HELPER = {
  /** Returns its payload; allowed on the RBAC listener. */
  echo: 'conformance::echo',
  /** Forbidden on the RBAC listener. */
  secret: 'conformance::secret',
  /** Throws `payload.message`. */
  fail: 'conformance::fail',
  /** Resolves after `payload.ms`. */
  sleep: 'conformance::sleep',
  /** Calls `payload.function_id` with `payload.payload` and returns its result. */
  call: 'conformance::call',
  /** Reads a channel (`payload.reader` ref) to the end; returns `{bytes, sum, messages}`. */
  readChannel: 'conformance::read-channel',
  /** Writes `payload.bytes` bytes (and `payload.message` first) to `payload.writer`. */
  writeChannel: 'conformance::write-channel',
  /**
   * Opens the writer of `payload.ref` (a ref as JSON text, so it stays a ref), writes
   * `payload.bytes` bytes, then drops its socket without ending: a writer that died mid-stream.
   */
  truncateChannel: 'conformance::truncate-channel',
  /** Opens the reader of `payload.ref` (JSON text), reads one chunk, then cancels it. */
  cancelChannel: 'conformance::cancel-channel',
} as const;
