export { Output, type OutputOptions } from './output.js';
export type { Spinner } from './spinner.js';
export { colorEnabled, createStyle, type Style, visibleLength } from './style.js';
export { renderFields, renderTable, type TableColumn } from './table.js';
