import { SandboxConfigError } from '../errors.js';

/** Faults injected into one shop's API and token endpoint, set at run time. */
export interface Faults {
  /** Extra latency before every API answer. */
  latencyMs?: number;
  /** Fraction (0..1) of API requests answered with `errorStatus`. */
  errorRate?: number;
  errorStatus?: 500 | 503;
  /** `true`: every API request gets 429; a number: the next N API requests get 429. */
  force429?: boolean | number;
  /** The token endpoint answers 503. */
  tokenEndpointDown?: boolean;
  /**
   * The `late-deliver` mode: every delivery that fails is sent once more this many milliseconds
   * later (a new delivery record with `lateOf`). `POST /{shop}/_sandbox/late-deliver` does the same
   * at once for the deliveries that already failed.
   */
  lateDeliverMs?: number;
}

/** Checks a faults object coming from outside (admin route, tests); throws with what to fix. */
export function parseFaults(input: unknown): Faults {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new SandboxConfigError('bad_faults', 'Faults must be a JSON object such as {"errorRate":0.5}.');
  }
  const raw = input as Record<string, unknown>;
  const known = ['latencyMs', 'errorRate', 'errorStatus', 'force429', 'tokenEndpointDown', 'lateDeliverMs'];
  const unknown = Object.keys(raw).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new SandboxConfigError(
      'bad_faults',
      `Unknown fault(s) ${unknown.join(', ')}; known: ${known.join(', ')}.`,
    );
  }
  const faults: Faults = {};
  if (raw.latencyMs !== undefined) {
    if (typeof raw.latencyMs !== 'number' || !(raw.latencyMs >= 0) || raw.latencyMs > 600_000) {
      throw new SandboxConfigError(
        'bad_faults',
        'latencyMs must be a number of milliseconds between 0 and 600000.',
      );
    }
    faults.latencyMs = raw.latencyMs;
  }
  if (raw.errorRate !== undefined) {
    if (typeof raw.errorRate !== 'number' || !(raw.errorRate >= 0 && raw.errorRate <= 1)) {
      throw new SandboxConfigError('bad_faults', 'errorRate must be a number between 0 and 1.');
    }
    faults.errorRate = raw.errorRate;
  }
  if (raw.errorStatus !== undefined) {
    if (raw.errorStatus !== 500 && raw.errorStatus !== 503) {
      throw new SandboxConfigError('bad_faults', 'errorStatus must be 500 or 503.');
    }
    faults.errorStatus = raw.errorStatus;
  }
  if (raw.force429 !== undefined) {
    const f = raw.force429;
    if (typeof f !== 'boolean' && !(typeof f === 'number' && Number.isInteger(f) && f >= 0)) {
      throw new SandboxConfigError(
        'bad_faults',
        'force429 must be true/false or a whole number of requests.',
      );
    }
    faults.force429 = f;
  }
  if (raw.tokenEndpointDown !== undefined) {
    if (typeof raw.tokenEndpointDown !== 'boolean') {
      throw new SandboxConfigError('bad_faults', 'tokenEndpointDown must be true or false.');
    }
    faults.tokenEndpointDown = raw.tokenEndpointDown;
  }
  if (raw.lateDeliverMs !== undefined) {
    const ms = raw.lateDeliverMs;
    if (typeof ms !== 'number' || !(ms >= 0) || ms > 86_400_000) {
      throw new SandboxConfigError(
        'bad_faults',
        'lateDeliverMs must be a number of milliseconds between 0 and 86400000.',
      );
    }
    faults.lateDeliverMs = ms;
  }
  return faults;
}

/** What the faults say about one API request; consumes one forced 429 when counted. */
export function faultFor(
  faults: Faults,
  random: () => number = Math.random,
): { kind: 'none' } | { kind: '429' } | { kind: 'error'; status: 500 | 503 } {
  if (faults.force429 === true) return { kind: '429' };
  if (typeof faults.force429 === 'number' && faults.force429 > 0) {
    faults.force429 -= 1;
    return { kind: '429' };
  }
  if (faults.errorRate !== undefined && faults.errorRate > 0 && random() < faults.errorRate) {
    return { kind: 'error', status: faults.errorStatus ?? 500 };
  }
  return { kind: 'none' };
}
