// The conformance suite as a Worker module: `GET /names` lists the cases, `GET /run?name=…`
// runs one case inside this request (workerd ties sockets to the request that opened them)
// and answers its result as JSON. Nothing runs at module scope: workerd forbids it.
// @ts-ignore -- dist/ may not be built when the repository is type-checked
import * as sdk from '../../../dist/workers/index.js';
import { caseNames, runCase, type ConformanceConfig } from '../../conformance/suite.js';

interface Env {
  CONFIG: string;
}

const json = (value: unknown) => new Response(JSON.stringify(value), { headers: { 'content-type': 'application/json' } });

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/names') return json(caseNames('workers'));
    if (url.pathname === '/run') {
      const config = JSON.parse(env.CONFIG) as ConformanceConfig;
      return json(await runCase('workers', sdk, config, url.searchParams.get('name') ?? ''));
    }
    return new Response('not found', { status: 404 });
  },
};
