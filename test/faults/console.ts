/** Captures what this process writes through `console` (the SDK's log mirror) while a test runs. */
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
      lines.push({ level, text: args.map((a) => (a instanceof Error ? `${a.name}: ${a.message} ${String((a as { cause?: unknown }).cause ?? '')}` : typeof a === 'string' ? a : safeJson(a))).join(' ') });
    }),
  );
  return {
    lines,
    text: () => lines.map((l) => `[${l.level}] ${l.text}`).join('\n'),
    restore: () => spies.forEach((s) => s.mockRestore()),
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
