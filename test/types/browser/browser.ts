// A bundler project that names its runtime (`customConditions: ["browser"]`): the browser
// entry's own declarations, with its factory and no other.
import { createBrowserPlatform, createClientFactory } from 'iii-isomorphic';
// @ts-expect-error the browser entry has no Node factory
import { createNodePlatform } from 'iii-isomorphic';

void createNodePlatform;
export const registerInTab = createClientFactory(createBrowserPlatform);
