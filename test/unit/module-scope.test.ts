/**
 * Importing an entry does no work at module scope: no timer, no random draw (workerd rejects
 * both at startup). Also guards the floors: `src/` imports no runtime module.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

describe('module scope', () => {
  it('importing src/public.ts and platform/node/index.ts arms no timer and draws no random number', async () => {
    const spies = [
      vi.spyOn(globalThis, 'setTimeout'),
      vi.spyOn(globalThis, 'setInterval'),
      vi.spyOn(Math, 'random'),
      vi.spyOn(globalThis.crypto, 'getRandomValues'),
      vi.spyOn(globalThis.crypto, 'randomUUID'),
    ];
    try {
      const pub = await import('../../src/public.js');
      const node = await import('../../platform/node/index.js');
      expect(typeof pub.createClientFactory).toBe('function');
      expect(typeof node.registerWorker).toBe('function');
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it('importing iii-isomorphic/testing (test/engine/index.ts) opens nothing, arms no timer, draws no random number', async () => {
    const spies = [
      vi.spyOn(globalThis, 'setTimeout'),
      vi.spyOn(globalThis, 'setInterval'),
      vi.spyOn(globalThis, 'setImmediate'),
      vi.spyOn(Math, 'random'),
      vi.spyOn(globalThis.crypto, 'getRandomValues'),
      vi.spyOn(globalThis.crypto, 'randomUUID'),
    ];
    // Servers, sockets and timers it could have opened (the runner's own file reads come and go).
    const handles = (): Record<string, number> => {
      const count: Record<string, number> = {};
      for (const r of process.getActiveResourcesInfo()) if (/TCP|Timeout|Immediate|UDP|Pipe/.test(r)) count[r] = (count[r] ?? 0) + 1;
      return count;
    };
    const before = handles();
    try {
      const testing = await import('../../test/engine/index.js');
      expect(typeof testing.startEngine).toBe('function');
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
      const after = handles();
      const added = Object.keys(after).filter((k) => after[k]! > (before[k] ?? 0));
      expect(added, `opened by the import: ${JSON.stringify({ before, after })}`).toEqual([]);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it('src/ imports no runtime-specific module and uses no Node global', () => {
    const root = join(__dirname, '../../src');
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts')) files.push(p);
      }
    };
    walk(root);
    const offenders: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      if (/from\s+['"](node:|ws['"]|isomorphic-ws|cloudflare:)/.test(text)) offenders.push(`${file}: runtime import`);
      if (/\bprocess\.|\bBuffer\b|\bDeno\./.test(text)) offenders.push(`${file}: runtime global`);
    }
    expect(offenders).toEqual([]);
  });

  it('feature folders do not import each other (ARCHITECTURE.md "Layers")', () => {
    const features = ['session', 'registration', 'calls', 'channels', 'protocol'];
    const offenders: string[] = [];
    for (const feature of features) {
      const dir = join(__dirname, '../../src', feature);
      for (const name of readdirSync(dir)) {
        const text = readFileSync(join(dir, name), 'utf8');
        for (const m of text.matchAll(/from\s+['"](\.\.\/[^'"]+)['"]/g)) {
          const target = m[1]!;
          const top = target.replace(/^\.\.\//, '').split('/')[0]!;
          const allowed = ['platform.js', 'errors.js', 'protocol', 'schema.js', 'arguments.js', 'events.js', 'info.js', 'lazy.js', 'logger.js', 'options.js', 'option-checks.js', 'redact.js', 'types.js', 'version.js'];
          if (!allowed.includes(top) || (feature === 'protocol' && top === 'protocol')) offenders.push(`${feature}/${name} → ${target}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
