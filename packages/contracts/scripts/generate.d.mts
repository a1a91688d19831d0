// Types of scripts/generate.mjs, for the tests that import it (src/generated.test.ts).

export interface GeneratedFile {
  /** Path relative to the package directory, e.g. `src/generated/shoprenter.ts`. */
  path: string;
  content: string;
}

export interface StaleFile {
  path: string;
  reason: 'missing' | 'out of date';
}

export const PACKAGE_DIR: string;
export const OPENAPI_FILE: string;
export const FIELDS_FILE: string;
export const FIX_COMMAND: string;

export function renderOpenApiTypes(openapiFile?: string): Promise<string>;
export function renderFieldsModule(fieldsFile?: string): Promise<string>;
export function renderGeneratedFiles(): Promise<GeneratedFile[]>;
export function findStaleFiles(files: readonly GeneratedFile[], rootDir?: string): Promise<StaleFile[]>;
export function writeGeneratedFiles(files: readonly GeneratedFile[], rootDir?: string): Promise<void>;
export function describeStaleFiles(stale: readonly StaleFile[]): string;
export function main(argv: readonly string[]): Promise<number>;
