/**
 * Decodes delivery bodies without stalling the receiver on a large one. Decoding is CPU work on the
 * thread that runs it (UTF-8 check, JSON parse with PHP escapes, XML validation, the schemas): about
 * 0.1 ms for a usual delivery, but tens to hundreds of milliseconds for a body of a few megabytes, and
 * on the main thread every other request (and every other delivery) would wait that long. Bodies of
 * OFF_THREAD_MIN_BYTES or more are therefore decoded on a worker thread of their own; smaller ones in
 * place, where the hop would cost more than the work.
 *
 * The thread is started on first use and ends after THREAD_IDLE_MS without work, or on close(); if it dies, the calls it had fail (the
 * delivery is then quarantined, not lost) and the next large body starts a new one. It runs contracts'
 * `decodeDelivery`, the same function as in place (the module is passed to it by URL).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  type DecodeDeliveryInput,
  type DecodedDelivery,
  DeliveryDecodeError,
  decodeDelivery,
} from '@srhooks/contracts';

/** Bodies from this size on are decoded on the worker thread. */
export const OFF_THREAD_MIN_BYTES = 256 * 1024;
/** The thread ends after this long without work (its V8 heap is then given back); the next large body starts it again. */
export const THREAD_IDLE_MS = 5000;

type ThreadAnswer =
  | { id: number; ok: true; decoded: DecodedDelivery }
  | {
      id: number;
      ok: false;
      decodeError: ReturnType<DeliveryDecodeError['toJSON']> | null;
      message: string;
    };

/** The thread's code (CommonJS, evaluated): imports contracts by URL, answers one message per body. */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.contractsUrl).then(({ decodeDelivery, DeliveryDecodeError }) => {
  parentPort.on('message', ({ id, input }) => {
    try {
      // a Buffer arrives as a Uint8Array over the same bytes
      if (typeof input.body !== 'string') {
        input.body = Buffer.from(input.body.buffer, input.body.byteOffset, input.body.byteLength);
      }
      // the document text is not used by the caller: it is not copied back
      const decoded = { ...decodeDelivery(input), data: '' };
      parentPort.postMessage({ id, ok: true, decoded });
    } catch (error) {
      const decodeError = error instanceof DeliveryDecodeError ? error.toJSON() : null;
      parentPort.postMessage({ id, ok: false, decodeError, message: String(error && error.message) });
    }
  });
});
`;

interface Pending {
  resolve(decoded: DecodedDelivery): void;
  reject(error: unknown): void;
}

export interface DeliveryDecoderStats {
  /** Bodies decoded on the worker thread. */
  offThread: number;
}

export class DeliveryDecoder {
  readonly #contractsUrl = pathToFileURL(createRequire(import.meta.url).resolve('@srhooks/contracts')).href;
  readonly #pending = new Map<number, Pending>();
  readonly #idleMs: number;

  constructor(options: { idleMs?: number } = {}) {
    this.#idleMs = options.idleMs ?? THREAD_IDLE_MS;
  }

  #worker: Worker | null = null;
  #idleTimer: NodeJS.Timeout | null = null;
  #nextId = 1;
  #offThread = 0;

  /** Decodes like contracts' `decodeDelivery`; rejects with its DeliveryDecodeError. */
  async decode(input: DecodeDeliveryInput): Promise<DecodedDelivery> {
    const size = typeof input.body === 'string' ? Buffer.byteLength(input.body) : input.body.length;
    if (size < OFF_THREAD_MIN_BYTES) return decodeDelivery(input);
    this.#offThread += 1;
    const id = this.#nextId++;
    const worker = this.#thread();
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    return new Promise<DecodedDelivery>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, input });
    });
  }

  stats(): DeliveryDecoderStats {
    return { offThread: this.#offThread };
  }

  /** Whether the worker thread is running now. */
  get threadRunning(): boolean {
    return this.#worker !== null;
  }

  async close(): Promise<void> {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    const worker = this.#worker;
    this.#worker = null;
    this.#rejectPending(new Error('the delivery decoder was closed'));
    if (worker) await worker.terminate();
  }

  #rejectPending(error: unknown): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }

  #thread(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: { contractsUrl: this.#contractsUrl },
    });
    worker.unref();
    worker.on('message', (answer: ThreadAnswer) => this.#answer(answer));
    const failed = (error: unknown) => {
      if (this.#worker !== worker) return; // ended by close(): its calls were settled there
      this.#worker = null;
      this.#rejectPending(error);
    };
    worker.on('error', failed);
    worker.on('exit', (code) => failed(new Error(`the decoder thread exited (code ${code})`)));
    this.#worker = worker;
    return worker;
  }

  #answer(answer: ThreadAnswer): void {
    const pending = this.#pending.get(answer.id);
    if (!pending) return;
    this.#pending.delete(answer.id);
    if (this.#pending.size === 0) {
      this.#idleTimer = setTimeout(() => {
        this.#idleTimer = null;
        if (this.#pending.size === 0) void this.close();
      }, this.#idleMs);
      this.#idleTimer.unref();
    }
    if (answer.ok) {
      pending.resolve(answer.decoded);
    } else if (answer.decodeError) {
      const { code, part, message, path, value } = answer.decodeError;
      pending.reject(
        new DeliveryDecodeError(code as DeliveryDecodeError['code'], part, message, { path, value }),
      );
    } else {
      pending.reject(new Error(answer.message));
    }
  }
}
