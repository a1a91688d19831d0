#!/usr/bin/env node
// Decode + validate one real-format delivery (multipart `data` with the captured order_confirm
// JSON, and the same order as XML): microseconds per operation, measured in one run.
// Prints a human line per case and, last, one JSON line for the root bench collector.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeDelivery, encodeDelivery, samplePayload } from '../dist/index.js';

const httpFile = fileURLToPath(
  new URL('../fixtures/shoprenter/deliveries/order_confirm.multipart.http', import.meta.url),
);
const raw = readFileSync(httpFile);
const split = raw.indexOf('\r\n\r\n');
const head = raw.subarray(0, split).toString('latin1');
const body = raw.subarray(split + 4);
const contentType = /content-type:\s*(.+)/i.exec(head)[1].trim();
const xml = encodeDelivery('order_confirm', samplePayload('order_confirm', 1), { format: 'xml' });

function measure(label, fn, iterations) {
  for (let i = 0; i < Math.min(2000, iterations); i++) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  const micros = Number(process.hrtime.bigint() - start) / 1000 / iterations;
  console.log(`${label.padEnd(34)} ${micros.toFixed(1).padStart(8)} µs/op  (${iterations} ops)`);
  return micros;
}

const results = {
  decodeMultipartJsonMicros: measure(
    'decode multipart JSON (captured)',
    () => decodeDelivery({ event: 'order_confirm', contentType, body }),
    20000,
  ),
  decodeMultipartXmlMicros: measure(
    'decode multipart XML (sample)',
    () => decodeDelivery({ event: 'order_confirm', contentType: xml.contentType, body: xml.body }),
    5000,
  ),
  encodeJsonMicros: measure(
    'encode multipart JSON (sample)',
    () => encodeDelivery('order_confirm', samplePayload('order_confirm', 1), { format: 'json' }),
    5000,
  ),
};
console.log(JSON.stringify({ bench: 'contracts-decode', ...results }));
