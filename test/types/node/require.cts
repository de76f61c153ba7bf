// CommonJS under nodenext: `require` gets dist/node/index.d.cts.
import iii = require('iii-isomorphic');

export const factory: typeof iii.createNodePlatform = iii.createNodePlatform;
export const worker = iii.registerWorker('ws://127.0.0.1:1');
// @ts-expect-error the node entry has no browser factory
void iii.createBrowserPlatform;
