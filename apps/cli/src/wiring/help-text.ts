/** Shared bits of the command wiring (no heavy imports: this is loaded for `--help`). */

export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`;
}

/** Repeatable option: `--field a --field b`. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--fields a,b` (also repeatable). */
export function collectList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  ];
}

export function positiveInteger(name: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value)) throw new TypeError(`${name} must be a whole number, got "${value}"`);
    return Number(value);
  };
}
