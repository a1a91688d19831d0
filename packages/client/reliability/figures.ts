/** One line of figures per scenario: `[reliability] <scenario> key=value …` (counts, not speed claims). */
export function printFigures(scenario: string, figures: Record<string, number | string | boolean>): string {
  const line = `[reliability] ${scenario} ${Object.entries(figures)
    .map(([key, value]) => `${key}=${value}`)
    .join(' ')}`;
  process.stdout.write(`${line}\n`);
  return line;
}
