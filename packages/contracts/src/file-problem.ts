/**
 * Why a file someone was told to read (the sandbox's `--shops`, `--apps`, `--data`; the CLI's `--data`,
 * `-f`, …; the receiver's SRHOOKS_CONFIG) cannot be read, in words ("does not exist", "is a directory,
 * not a file"), instead of Node's errno text (`ENOENT: no such file or directory, open '…'`, `EISDIR`).
 * Also the light subpath `@srhooks/contracts/file-problem` (no zod).
 */
export function fileProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'does not exist';
    case 'EISDIR':
      return 'is a directory, not a file';
    case 'ENOTDIR':
      return 'cannot be reached: a part of its path is a file, not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'cannot be read (permission denied)';
    default:
      return `cannot be read (${code ?? (error instanceof Error ? error.message : String(error))})`;
  }
}
