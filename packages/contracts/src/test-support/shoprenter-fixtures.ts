import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of a file under the ShopRenter fixtures (`packages/contracts/fixtures/shoprenter`). */
export function fixturePath(relative: string): string {
  return fileURLToPath(new URL(`../../fixtures/shoprenter/${relative}`, import.meta.url));
}

export function readFixture(relative: string): string {
  return readFileSync(fixturePath(relative), 'utf8');
}

export function readFixtureJson<T = unknown>(relative: string): T {
  return JSON.parse(readFixture(relative)) as T;
}
