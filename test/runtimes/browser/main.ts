// The conformance page's script: the suite plus the built browser entry, bundled by esbuild
// (bare imports such as valibot resolved the way a user's bundler would).
// @ts-ignore -- dist/ may not be built when the repository is type-checked
import * as sdk from '../../../dist/browser/index.js';
import { caseNames, runCase, type ConformanceConfig } from '../../conformance/suite.js';

declare global {
  interface Window {
    conformance: { names(): string[]; run(name: string): Promise<unknown> };
  }
}

async function config(): Promise<ConformanceConfig> {
  const res = await fetch('/config');
  return (await res.json()) as ConformanceConfig;
}

window.conformance = {
  names: () => caseNames('browser'),
  run: async (name) => runCase('browser', sdk, await config(), name),
};
