import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../src/metrics/metrics';

const root = resolve(import.meta.dirname, '..');
const METRIC = /\b((?:sms|sinch|delivery|reconciliation|process)_[a-z_]+)\b/g;

async function exposedNames(): Promise<Set<string>> {
  const { registry } = createMetrics({ processMetrics: true });
  const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
  // Histograms are queried through their _bucket, _count and _sum series.
  return new Set(names.flatMap((n) => [n, `${n}_bucket`, `${n}_count`, `${n}_sum`]));
}

describe.each(['ops/prometheus-alerts.yml', 'ops/grafana-dashboard.json'])('%s', (file) => {
  it('When it names a metric, then the service exposes that metric', async () => {
    const text = readFileSync(resolve(root, file), 'utf8');
    const used = new Set([...text.matchAll(METRIC)].map((m) => m[1] as string));
    const exposed = await exposedNames();

    expect(used.size).toBeGreaterThan(3);
    expect([...used].filter((name) => !exposed.has(name))).toEqual([]);
  });
});
