// How the binary's commands read their arguments: `--flag value` or `--flag=value`; a flag that
// takes a value and has none is refused with the command's usage.

/**
 * Calls `onFlag` once per argument with the flag's name, a function that takes its value (the
 * text after `=`, else the next argument), and the argument as written (for error messages).
 */
export function readFlags(argv: string[], usage: string, onFlag: (flag: string, value: () => string, arg: string) => void): void {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const [flag, inline] = arg.startsWith('--') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value\n\n${usage}`);
      return v;
    };
    onFlag(flag, value, arg);
  }
}
