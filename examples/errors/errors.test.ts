// The errors a caller meets first, and what to do about each (docs/errors.md,
// docs/troubleshooting.md), against the reference engine.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ErrorCode, IIIInvocationError, IIITimeoutError, registerWorker, type ChannelWriter, type III } from 'iii-isomorphic';
import { startEngine, type RunningEngine } from 'iii-isomorphic/testing';

// #region what-to-do
/** Every rejection of `trigger()` is an IIIInvocationError with a code, except an abort (its reason). */
function whatToDo(error: unknown): string {
  if (!(error instanceof IIIInvocationError)) throw error; // an AbortSignal's reason
  switch (error.code) {
    case ErrorCode.Timeout: // IIITimeoutError: no answer within timeoutMs; the handler may still run
      return 'raise timeoutMs, or look at the function';
    case ErrorCode.EngineUnreachable: // never connected: the message names the address and the cause
      return 'check the address, that the engine runs, the token';
    case ErrorCode.ConnectionLost: // sent, then the socket dropped: it may have run
      return 'retry if the function is safe to run twice';
    case ErrorCode.FunctionNotFound: // no such function (after retrying until the timeout)
      return 'check the id and namespace, start the worker that provides it';
    case ErrorCode.PayloadTooLarge: // over maxMessageBytes: nothing was sent
      return 'send the data through a channel';
    case 'CARD_DECLINED': // a handler's own code
      return 'ask for another card';
    default:
      return `${error.code}: ${error.message}`;
  }
}
// #endregion what-to-do

let engine: RunningEngine;
let worker: III;
let caller: III;

beforeAll(async () => {
  engine = await startEngine();
  worker = registerWorker(engine.url, { workerName: 'payments', logLevel: 'silent' });
  worker.registerFunction('pay::charge', () => {
    throw Object.assign(new Error('the card was declined'), { code: 'CARD_DECLINED' });
  });
  worker.registerFunction('pay::slow', () => new Promise((resolve) => setTimeout(() => resolve('late'), 1500)));
  worker.registerFunction('pay::receipt', async ({ pdf }: { pdf: ChannelWriter }) => {
    const writer = pdf.writable.getWriter();
    for (let i = 0; i < 64; i++) await writer.write(new Uint8Array(64 * 1024)); // 4 MiB
    await writer.close();
    return { pages: 64 };
  });
  worker.registerFunction('pay::upload', async ({ file }: { file: { readAll(): Promise<Uint8Array> } }) => ({ bytes: (await file.readAll()).byteLength }));
  caller = registerWorker(engine.url, { workerName: 'checkout', logLevel: 'silent' });
  await Promise.all([worker.ready(), caller.ready()]);
});

afterAll(async () => {
  await Promise.all([worker.shutdown(), caller.shutdown()]);
  await engine.close();
});

it("a handler's error reaches the caller with its own code", async () => {
  const error = await caller.trigger({ function_id: 'pay::charge', payload: { cents: 1200 } }).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'CARD_DECLINED', message: 'CARD_DECLINED: the card was declined', function_id: 'pay::charge' });
  expect(whatToDo(error)).toBe('ask for another card');
});

it('a call without an answer within timeoutMs rejects TIMEOUT', async () => {
  const error = await caller.trigger({ function_id: 'pay::slow', payload: {}, timeoutMs: 300 }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(IIITimeoutError);
  expect(whatToDo(error)).toBe('raise timeoutMs, or look at the function');
});

it('an unknown function rejects function_not_found once its timeout has passed', async () => {
  const error = await caller.trigger({ function_id: 'pay::refund', payload: {}, timeoutMs: 500 }).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'function_not_found' });
  expect((error as Error).message).toMatch(/never became available within 500 ms/);
});

it('a payload over maxMessageBytes is refused at once; a channel carries it', async () => {
  const file = new Uint8Array(20 * 1024 * 1024); // over the engine's 16 MiB frame limit
  const base64 = 'A'.repeat(Math.ceil(file.byteLength / 3) * 4); // the file, as base64 text
  const error = await caller.trigger({ function_id: 'pay::upload', payload: { file: base64 } }).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  expect(whatToDo(error)).toBe('send the data through a channel');

  // #region channel-upload
  const channel = await caller.createChannel();
  const uploading = caller.trigger<unknown, { bytes: number }>({ function_id: 'pay::upload', payload: { file: channel.readerRef } });
  const writer = channel.writer.writable.getWriter();
  await writer.write(file);
  await writer.close();
  await expect(uploading).resolves.toEqual({ bytes: file.byteLength });
  // #endregion channel-upload
});

it('a handler writing a channel waits for its reader: read while the call runs, not after', async () => {
  const channel = await caller.createChannel(4);
  // Awaiting the call first would wait for a handler that waits for a reader: a TIMEOUT.
  const stuck = await caller.trigger({ function_id: 'pay::receipt', payload: { pdf: channel.writerRef }, timeoutMs: 1000 }).catch((e: unknown) => e);
  expect(stuck).toBeInstanceOf(IIITimeoutError);

  const fresh = await caller.createChannel(4);
  const call = caller.trigger({ function_id: 'pay::receipt', payload: { pdf: fresh.writerRef } });
  const pdf = await new Response(fresh.reader.readable).arrayBuffer();
  await expect(call).resolves.toEqual({ pages: 64 });
  expect(pdf.byteLength).toBe(4 * 1024 * 1024);
});

it('ready({ timeoutMs }) says why the engine cannot be reached', async () => {
  const lost = registerWorker('ws://127.0.0.1:9/?token=s3cret', { workerName: 'lost', logLevel: 'silent' });
  const error = await lost.ready({ timeoutMs: 1500 }).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'ENGINE_UNREACHABLE' });
  expect((error as Error).message).toMatch(/^ENGINE_UNREACHABLE: the engine at ws:\/\/127\.0\.0\.1:9\/\?token=\*\*\* has not accepted this worker: could not connect: connect ECONNREFUSED/);
  await lost.shutdown();
});
