export { Output, type OutputOptions } from './output.js';
export type { Spinner } from './spinner.js';
export { colorEnabled, createStyle, type Style, visibleLength } from './style.js';
export { renderTable, type TableColumn } from './table.js';
