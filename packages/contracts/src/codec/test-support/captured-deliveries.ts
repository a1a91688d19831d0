import { readFileSync } from 'node:fs';

/** `<repo>/packages/contracts/fixtures/shoprenter/deliveries/`, computed from this file's location. */
export const DELIVERIES_DIR = new URL('../../../fixtures/shoprenter/deliveries/', import.meta.url);

export interface CapturedRequest {
  readonly headers: Record<string, string>;
  /** Everything after the empty line that ends the headers. */
  readonly body: Buffer;
}

/** Splits a raw `*.multipart.http` capture into lower-cased headers and the exact body bytes. */
export function readCapturedRequest(name: string): CapturedRequest {
  const raw = readFileSync(new URL(name, DELIVERIES_DIR));
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) throw new Error(`${name}: no empty line after the headers`);
  const headers: Record<string, string> = {};
  for (const line of raw.subarray(0, end).toString('utf8').split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body: raw.subarray(end + 4) };
}

/** A `deliveries/*.json` sample exactly as JSON.parse reads it (strings stay strings). */
export function readSamplePayload(name: string): unknown {
  return JSON.parse(readFileSync(new URL(name, DELIVERIES_DIR), 'utf8'));
}

/** The boundary parameter of a captured Content-Type header. */
export function boundaryOf(contentType: string | undefined): string {
  const match = /boundary=("?)([^";]+)\1/.exec(contentType ?? '');
  if (!match?.[2]) throw new Error(`no boundary in ${contentType}`);
  return match[2];
}
