// The rest of the drop-in surface: errors, codes, the logger, the client type, the options.
import {
  DEFAULT_ENGINE_URL,
  ErrorCode,
  IIIForbiddenError,
  IIIInvocationError,
  InvocationError,
  isErrorBody,
  Logger,
  registerWorker,
  type IIIClient,
  type IIIConnectionState,
  type IIIErrorCode,
  type InvocationErrorInit,
} from 'iii-isomorphic';
import { check, type Equal } from './assert.js';

const init: InvocationErrorInit = { code: 'FORBIDDEN', message: 'no', function_id: 'f' };
const error = new InvocationError(init);
check<Equal<typeof error, IIIInvocationError>>();
// error.code: the known codes stay literals (autocompletion), any other string is accepted.
check<Equal<Extract<IIIErrorCode, 'TIMEOUT' | 'FORBIDDEN' | 'invocation_stopped'>, 'TIMEOUT' | 'FORBIDDEN' | 'invocation_stopped'>>();
export const custom: IIIErrorCode = 'OUT_OF_STOCK';
if (error.code === ErrorCode.Timeout || error.code === 'some_future_code') void error.stacktrace;
export const forbidden: boolean = error instanceof IIIForbiddenError;

export function body(value: unknown): string {
  return isErrorBody(value) ? `${value.code}: ${value.message}` : 'not an error body';
}

new Logger().info('standalone', { ok: true });
new Logger({ level: 'debug', prefix: '[app]' }).debug('details');
// @ts-expect-error not a level
new Logger({ level: 'verbose' });

const client: IIIClient = registerWorker(undefined, { workerName: 'types', invocationTimeoutMs: 1000, reconnect: { maxRetries: 3 } });
const address: string = client.getAddress();
const state: IIIConnectionState = client.getConnectionState();
export const summary = `${address} ${state} ${DEFAULT_ENGINE_URL}`;
// @ts-expect-error an option that does not exist
registerWorker(undefined, { workerNmae: 'typo' });
