/**
 * The in-band end-of-stream convention between two ends of this SDK (docs/channels.md "End of
 * stream").
 *
 * The engine gives a reader no way to tell a writer that finished from one whose process died or
 * whose socket dropped: both end in the same Close without a status code (protocol.md §4.3; the
 * engine's write loop ends the same way on a Close frame, an error or EOF). So a `ChannelWriter`
 * marks its stream with zero-length binary frames, which the engine forwards like any other
 * (§4.3: frames unchanged and in order, boundaries kept):
 *
 * - two marks as the first binary frames: right before the first data frame (or before the end
 *   mark, for a stream without data), after any message sent before that first chunk. Not at
 *   the socket's open: the engine's HTTP response takes its status and headers from the
 *   messages that precede the first binary frame, an empty one included (protocol.md §8 item
 *   47), so a leading mark would commit a `200` before the handler's `set_status` arrived.
 *   The price: a writer that dies having sent only messages, no chunk, left no mark, and its
 *   reader sees a clean end;
 * - one mark after its last frame, just before its Close 1000 `stream_complete`.
 *
 * Only binary frames count: text frames are messages, wherever they stand. A `ChannelReader`
 * whose stream's binary frames began with the two start marks and that sees the engine's Close
 * without an end mark after the last frame errors with `CHANNEL_TRUNCATED` instead of ending. A
 * stream without the start marks (an official `iii-sdk` or Python writer) ends cleanly as before.
 *
 * Why these frames: the SDK never sends an empty frame for data (frames.ts), and a byte reader
 * of another SDK sees nothing of them (an empty chunk adds no byte; `iii-sdk`'s Node `Readable`
 * drops it). Why two start marks: a Python writer's `write(b'')` sends one empty frame, so a
 * single leading mark could come from a foreign writer whose clean end would then read as a
 * truncation. Loaded with the reader's and the writer's machinery.
 */

/** A mark: a zero-length binary frame. */
export const MARK = new Uint8Array(0);

/** How many marks open a marked stream. */
export const START_MARKS = 2;

/**
 * The reader's view of the marks so far, one small state per binary frame:
 * 0, 1: no data frame yet but 0 or 1 marks; 2: the start marks, no end mark yet;
 * 3: unmarked (a data frame came before two marks); 4: marked, the last frame was not a mark;
 * 5: marked, the last frame was a mark (the end mark).
 */
export type MarkState = 0 | 1 | 2 | 3 | 4 | 5;

const AFTER_MARK: readonly MarkState[] = [1, 2, 5, 3, 5, 5];
const AFTER_FRAME: readonly MarkState[] = [3, 3, 4, 3, 4, 4];

/** The state after one more binary frame: `mark` when it is empty. */
export function nextMarkState(state: MarkState, mark: boolean): MarkState {
  return (mark ? AFTER_MARK : AFTER_FRAME)[state] as MarkState;
}

/** At the engine's Close: the stream was marked and its end mark is missing. */
export function isTruncated(state: MarkState): boolean {
  return state === 2 || state === 4;
}
