/**
 * Captures what this process writes through `console` (the SDK's log mirror) while a test runs.
 * Arguments are rendered as the console would print them (`util.inspect`: an Error with its stack
 * and cause, objects in depth), so a test can look for a stack or a field in a logged object.
 */
import { inspect } from 'node:util';
import { vi } from 'vitest';

export interface ConsoleCapture {
  lines: Array<{ level: string; text: string }>;
  text(): string;
  restore(): void;
}

export function captureConsole(): ConsoleCapture {
  const lines: ConsoleCapture['lines'] = [];
  const spies = (['debug', 'info', 'log', 'warn', 'error'] as const).map((level) =>
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      lines.push({ level, text: args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 6 }))).join(' ') });
    }),
  );
  return {
    lines,
    text: () => lines.map((l) => `[${l.level}] ${l.text}`).join('\n'),
    restore: () => spies.forEach((s) => s.mockRestore()),
  };
}
