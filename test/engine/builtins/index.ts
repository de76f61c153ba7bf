// Installs the in-process workers' functions and trigger types (protocol.md §5, §6.4), by group.
import type { BuiltinServices } from '../services.js';
import { installChannelBuiltins } from './channels.js';
import { installFunctionBuiltins } from './functions.js';
import { installObservabilityBuiltins } from './observability.js';
import { installQueueProvider } from './queue.js';
import { installTriggerBuiltins } from './triggers.js';
import { installTriggerTypes } from './trigger-types.js';
import { installWorkerBuiltins } from './workers.js';

export { ENGINE_VERSION } from './workers.js';

export function installBuiltins(services: BuiltinServices): void {
  installWorkerBuiltins(services);
  installChannelBuiltins(services);
  installFunctionBuiltins(services);
  installTriggerBuiltins(services);
  installObservabilityBuiltins(services);
  if (services.settings.queue) installQueueProvider(services, services.settings.queue);
  installTriggerTypes(services);
}
