/**
 * docs/monitoring.md lists every metric GET /metrics exports, and every metric it lists is exported:
 * a real receiver (SQLite file, job worker and default process metrics on) is scraped over HTTP and its `# TYPE` lines
 * are compared with the metric names the page names (`srhooks_process_*` and `srhooks_nodejs_*` stand for
 * prom-client's default metrics). The scrape is also checked as Prometheus text: every sample belongs to
 * a family with one HELP and one TYPE line, and each histogram's buckets rise to `+Inf` = `_count`.
 */
import { readFileSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { startTestReceiver, type TestReceiver } from '../test-support/test-receiver.js';

const MONITORING_DOC = new URL('../../docs/monitoring.md', import.meta.url);
/** Metrics only a PostgreSQL store exports (the change relay); documented as such. */
const POSTGRES_ONLY = /^srhooks_change_relay_/;
/** Metrics only exported while the delivery spool is on; documented as such. */
const SPOOL_ONLY = /^srhooks_spool_(waiting|unreadable)_/;

let receiver: TestReceiver | undefined;
afterAll(async () => {
  await receiver?.close();
});

function documentedNames(): { names: Set<string>; prefixes: string[] } {
  const text = readFileSync(MONITORING_DOC, 'utf8');
  const names = new Set<string>();
  const prefixes: string[] = [];
  for (const [, name, star] of text.matchAll(/`(srhooks_[a-z0-9_]*)(\*?)`/g)) {
    if (star) prefixes.push(name as string);
    else names.add(name as string);
  }
  return { names, prefixes };
}

interface Family {
  help: number;
  type: string | undefined;
  samples: string[];
}

/**
 * A sample's value as Prometheus reads it (Go's ParseFloat): a decimal or exponent number
 * (`1.5e-07`), `NaN` in any case (prom-client writes `Nan` for a gauge with no data yet, e.g. the
 * event-loop lag before its first sample), `+Inf`/`-Inf`.
 */
function isSampleValue(text: string): boolean {
  return /^[+-]?(inf|infinity|nan)$/i.test(text) || /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text);
}

it('reads sample values as Prometheus does', () => {
  for (const value of ['0', '12', '-3.5', '1.5e-07', '2E+10', '.5', 'NaN', 'Nan', '+Inf', '-Inf']) {
    expect(isSampleValue(value), value).toBe(true);
  }
  for (const value of ['', 'abc', '1,5', '--1', 'e5', '0x10']) {
    expect(isSampleValue(value), value).toBe(false);
  }
});

function families(scrape: string): Map<string, Family> {
  const byName = new Map<string, Family>();
  const family = (name: string) => {
    let found = byName.get(name);
    if (!found) {
      found = { help: 0, type: undefined, samples: [] };
      byName.set(name, found);
    }
    return found;
  };
  for (const line of scrape.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      const entry = family(meta[2] as string);
      if (meta[1] === 'HELP') entry.help += 1;
      else {
        expect(entry.type, `two TYPE lines for ${meta[2]}`).toBeUndefined();
        entry.type = meta[3];
      }
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
    expect(
      sample !== null && isSampleValue(sample[3] as string),
      `not a Prometheus sample line: ${line}`,
    ).toBe(true);
    const name = sample?.[1] as string;
    const base = byName.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
    expect(byName.has(base), `${name} has no HELP/TYPE lines before it`).toBe(true);
    family(base).samples.push(line);
  }
  return byName;
}

it('exports exactly the metrics docs/monitoring.md lists, as valid Prometheus text', async () => {
  // the job worker on, as a started receiver runs it (its metrics are registered with it)
  receiver = await startTestReceiver({}, { defaultMetrics: true, processing: { enabled: true } });
  const response = await fetch(`${receiver.baseUrl}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const exported = families(await response.text());

  for (const [name, family] of exported) {
    expect(family.help, `${name}: HELP lines`).toBe(1);
    expect(['counter', 'gauge', 'histogram', 'summary'], `${name}: TYPE`).toContain(family.type);
    if (family.type === 'counter')
      expect(name, `${name}: a counter's name ends in _total`).toMatch(/_total$/);
    if (family.type !== 'histogram') continue;
    // per label set: buckets cumulative, ending in +Inf, which equals _count
    const bySeries = new Map<string, { le: number; value: number }[]>();
    for (const line of family.samples.filter((sample) => sample.startsWith(`${name}_bucket{`))) {
      const le = /le="([^"]+)"/.exec(line)?.[1] as string;
      const series = line.slice(0, line.lastIndexOf(' ')).replace(/,?le="[^"]+"/, '');
      const list = bySeries.get(series) ?? [];
      list.push({
        le: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le),
        value: Number(line.split(' ').at(-1)),
      });
      bySeries.set(series, list);
    }
    for (const [series, buckets] of bySeries) {
      expect(buckets.at(-1)?.le, `${series}: last bucket`).toBe(Number.POSITIVE_INFINITY);
      for (let i = 1; i < buckets.length; i++) {
        expect((buckets[i] as { le: number }).le).toBeGreaterThan((buckets[i - 1] as { le: number }).le);
        expect((buckets[i] as { value: number }).value).toBeGreaterThanOrEqual(
          (buckets[i - 1] as { value: number }).value,
        );
      }
    }
  }

  const { names, prefixes } = documentedNames();
  expect(prefixes.sort()).toEqual(['srhooks_nodejs_', 'srhooks_process_']);
  const exportedNames = [...exported.keys()];
  const undocumented = exportedNames.filter(
    (name) => !names.has(name) && !prefixes.some((prefix) => name.startsWith(prefix)),
  );
  expect(undocumented, 'exported by GET /metrics but not in docs/monitoring.md').toEqual([]);
  const missing = [...names].filter(
    (name) => !exported.has(name) && !POSTGRES_ONLY.test(name) && !SPOOL_ONLY.test(name),
  );
  expect(missing, 'listed in docs/monitoring.md but not exported').toEqual([]);
  for (const prefix of prefixes)
    expect(
      exportedNames.some((name) => name.startsWith(prefix)),
      `${prefix}*`,
    ).toBe(true);
});
