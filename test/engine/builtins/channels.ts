// `engine::channels::create` (protocol.md §4.1, §8 item 13): an infrastructure id (§3.15 rule 4),
// exempt from middleware; the channel has no owner, so no disconnect removes it (§4.5).
import type { BuiltinServices } from '../services.js';
import { ENGINE_FUNCTIONS_WORKER } from '../workers.js';
import { defineBuiltin, ok } from './define.js';

export function installChannelBuiltins(services: BuiltinServices): void {
  defineBuiltin(services, ENGINE_FUNCTIONS_WORKER, 'engine::channels::create', (inp) => ok(services.channels.create(inp.uint('buffer_size'))));
}
