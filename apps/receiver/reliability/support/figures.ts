/**
 * Each scenario reports its figures as one line, `[reliability] <scenario> key=value …`, so a CI log
 * (and the docs) can quote it. Figures are counts, not speed claims; `seconds` is informative.
 */
export type Figures = Record<string, number | string | boolean>;

export function formatFigures(scenario: string, figures: Figures): string {
  const parts = Object.entries(figures).map(([key, value]) => `${key}=${value}`);
  return `[reliability] ${scenario} ${parts.join(' ')}`;
}

export function printFigures(scenario: string, figures: Figures): string {
  const line = formatFigures(scenario, figures);
  process.stdout.write(`${line}\n`);
  return line;
}
