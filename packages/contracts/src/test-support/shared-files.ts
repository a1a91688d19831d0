import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of a file under the shared ShopRenter data folder (`<repo>/../shared/shoprenter`). */
export function sharedPath(relative: string): string {
  return fileURLToPath(new URL(`../../../../../shared/shoprenter/${relative}`, import.meta.url));
}

export function readShared(relative: string): string {
  return readFileSync(sharedPath(relative), 'utf8');
}

export function readSharedJson<T = unknown>(relative: string): T {
  return JSON.parse(readShared(relative)) as T;
}
