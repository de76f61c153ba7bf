// Paths and environment variable names shared by the global setup and the specs.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A file under e2e/artifacts/ (gitignored): screenshots, the demo's log, the JSON report. */
export const artifactPath = (...parts: string[]): string => path.join(root, 'e2e', 'artifacts', ...parts);

/** Set by the global setup for the test workers. */
export const demoEnv = {
  pageUrl: 'DEMO_E2E_PAGE_URL',
  edgeUrl: 'DEMO_E2E_EDGE_URL',
  pid: 'DEMO_E2E_PID',
} as const;
