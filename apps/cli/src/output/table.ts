import { type Style, visibleLength } from './style.js';
import { indentedLines, oneLine } from './terminal-text.js';

export interface TableColumn<Row> {
  header: string;
  value: (row: Row) => string;
  align?: 'left' | 'right';
}

/**
 * A plain text table: header row, then one line per row, columns padded to the widest cell and
 * separated by two spaces. Trailing whitespace is trimmed so output diffs cleanly. A cell is one line
 * whatever its data holds (`oneLine`).
 */
export function renderTable<Row>(rows: readonly Row[], columns: readonly TableColumn<Row>[]): string {
  const cells = rows.map((row) => columns.map((column) => oneLine(column.value(row))));
  const widths = columns.map((column, index) =>
    Math.max(visibleLength(column.header), ...cells.map((line) => visibleLength(line[index] ?? ''))),
  );
  const pad = (text: string, index: number): string => {
    const gap = ' '.repeat(Math.max(0, (widths[index] ?? 0) - visibleLength(text)));
    return columns[index]?.align === 'right' ? gap + text : text + gap;
  };
  const lines = [columns.map((column) => column.header), ...cells].map((line) =>
    line
      .map((cell, index) => pad(cell, index))
      .join('  ')
      .trimEnd(),
  );
  return lines.join('\n');
}

/**
 * `key  value` lines, keys dimmed and padded to the longest (a `show` command's record). A value of several
 * lines (a revealed comment) keeps them, each later one indented under the value, never at a key's place.
 */
export function renderFields(rows: readonly (readonly [string, string])[], style: Style): string {
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows
    .map(
      ([key, value]) =>
        `${style.dim(key.padEnd(width))}  ${indentedLines(value.replace(/\t/g, '<U+0009>'), width + 2)}`,
    )
    .join('\n');
}
