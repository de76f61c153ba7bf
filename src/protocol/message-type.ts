/**
 * Every `type` discriminator on the worker socket (protocol.md §2.2). A runtime object rather
 * than a TypeScript `enum` so it tree-shakes and costs nothing at import.
 */
export const MessageType = {
  WorkerRegistered: 'workerregistered',
  RegistrationRejected: 'registrationrejected',
  RegisterFunction: 'registerfunction',
  UnregisterFunction: 'unregisterfunction',
  InvokeFunction: 'invokefunction',
  InvocationResult: 'invocationresult',
  RegisterTriggerType: 'registertriggertype',
  RegisterTrigger: 'registertrigger',
  UnregisterTrigger: 'unregistertrigger',
  TriggerRegistrationResult: 'triggerregistrationresult',
  RegisterService: 'registerservice',
  Reattach: 'reattach',
  Ping: 'ping',
  Pong: 'pong',
  /** Auth failure; not in the engine's enum (§1.3). */
  Error: 'error',
  /** Sent by the official SDKs, unknown to the engine (§7 item 1); this SDK never sends it. */
  UnregisterTriggerType: 'unregistertriggertype',
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];
