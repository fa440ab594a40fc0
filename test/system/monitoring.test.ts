// The monitoring kit (k8s/monitoring) cannot drift from the server: every metric and label a
// dashboard panel or an alert rule asks for is one a running Keyward writes to /metrics, and
// every alert README.md names ("Deploy", "Metrics") has a rule. promtool and Grafana are not
// needed: this is the check.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { privateRedis, type PrivateRedis } from '../helpers/private-redis.js';
import { basic, codeExchange, postForm } from '../helpers/oauth-flow.js';
import { changeLastCharacter } from '../helpers/tamper.js';
import { operatorKey } from '../management/helpers.js';
import { parseExposition, readPromql, type Exposition, type PromqlUse } from '../helpers/prometheus.js';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const read = (path: string) => readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8');

const dashboard = JSON.parse(read('k8s/monitoring/grafana-dashboard.json')) as Doc;
const groups = (parse(read('k8s/monitoring/alerts.yaml')) as Doc).groups as Doc[];
const rules = groups.flatMap((group) => group.rules as Doc[]);
const panels = (dashboard.panels as Doc[]).filter((panel) => panel.type !== 'row');
const queryVariables = (dashboard.templating.list as Doc[]).filter((variable) => variable.type === 'query');

/** Every panel and query variable reads Prometheus through the dashboard's data source variable. */
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };
/** Labels Prometheus attaches to every series it scrapes; the server never writes them. */
const TARGET_LABELS = ['job', 'instance'];

interface Query {
  where: string;
  use: PromqlUse;
  /** Labels the result is shown by: a legend's {{label}}, an annotation's $labels.label. */
  shown: string[];
}

const legendLabels = (legend = '') => [...legend.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]!);
const annotationLabels = (rule: Doc) => [...JSON.stringify(rule.annotations).matchAll(/\$labels\.(\w+)/g)].map((m) => m[1]!);

/** A query variable's `label_values(selector, label)`: the selector is a query, the label is shown. */
function variableQuery(variable: Doc): Query {
  const [, selector, label] = /^label_values\((.+),\s*(\w+)\)$/.exec(variable.definition) ?? [];
  if (!selector || !label) throw new Error(`variable ${variable.name}: not label_values(selector, label)`);
  return { where: `variable $${variable.name}`, use: readPromql(selector), shown: [label] };
}

const queries: Query[] = [
  ...panels.flatMap((panel) =>
    (panel.targets as Doc[]).map((target) => ({ where: `panel "${panel.title}" ${target.refId}`, use: readPromql(target.expr), shown: legendLabels(target.legendFormat) })),
  ),
  ...queryVariables.map(variableQuery),
  ...rules.map((rule) => ({ where: `alert ${rule.alert}`, use: readPromql(rule.expr), shown: annotationLabels(rule) })),
];

let redis: PrivateRedis;
let server: TestServer;
let exposition: Exposition;

// Traffic that writes a sample of every keyward_* metric, so that their labels are known too:
// tokens, a good and a refused API key, a replayed code, and a request that finds Redis away.
beforeAll(async () => {
  redis = await privateRedis();
  server = await startTestServer({ env: { REDIS_URL: redis.url } });
  const org = await server.createOrg();
  const service = await server.createClient({ org, grants: ['client_credentials'] });
  const clientCredentials = () => postForm(server, '/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(service.clientId, service.clientSecret) });
  expect((await clientCredentials()).status).toBe(200);
  const key = await operatorKey(server, org, ['api-keys:read']);
  for (const presented of [key.key, changeLastCharacter(key.key)]) await fetch(`${server.url}/v1/api-keys`, { headers: { 'x-api-key': presented } });
  const app = await server.createClient({ org, grants: ['authorization_code'], redirectUris: ['https://app.example/cb'] });
  const user = await server.createUser([org]);
  const { code, verifier } = await codeExchange(server, app, { redirectUri: 'https://app.example/cb', scope: 'invoices:read', user });
  const replay = { grant_type: 'authorization_code', code, redirect_uri: 'https://app.example/cb', code_verifier: verifier };
  expect((await postForm(server, '/oauth2/token', replay, { authorization: basic(app.clientId, app.clientSecret) })).status).toBe(400);
  redis.stop();
  // A replica learns of the outage when its connections drop, a moment after the stop.
  let status = 200;
  for (let i = 0; i < 40 && status !== 503; i++) {
    status = (await clientCredentials()).status;
    if (status !== 503) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(status).toBe(503);
  await redis.start();
  exposition = parseExposition(await (await fetch(`${server.url}/metrics`)).text());
});
afterAll(async () => {
  await server?.stop();
  redis?.remove();
});

describe('k8s/monitoring', () => {
  it('holds a Grafana dashboard: unique panel ids, every panel queries Prometheus through one data source variable', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.uid).toBe('keyward');
    expect(dashboard.templating.list).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }));
    const ids = (dashboard.panels as Doc[]).map((panel) => panel.id);
    expect(ids.every(Number.isInteger)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(panels.length).toBeGreaterThan(10);
    for (const row of (dashboard.panels as Doc[]).filter((panel) => panel.type === 'row')) expect(row.targets, row.title).toBeUndefined();
    for (const panel of panels) {
      expect(panel.datasource, panel.title).toEqual(DATASOURCE);
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets) {
        expect(target.datasource, panel.title).toEqual(DATASOURCE);
        expect(target.expr, panel.title).toMatch(/\S/);
      }
      const refIds = panel.targets.map((target: Doc) => target.refId);
      expect(new Set(refIds).size, panel.title).toBe(refIds.length);
    }
    for (const variable of queryVariables) expect(variable.datasource, variable.name).toEqual(DATASOURCE);
  });

  it('lays the panels out on the 24-column grid without overlap', () => {
    const boxes = (dashboard.panels as Doc[]).map((panel) => ({ title: panel.title as string, ...(panel.gridPos as { x: number; y: number; w: number; h: number }) }));
    for (const box of boxes) expect(box.x + box.w, box.title).toBeLessThanOrEqual(24);
    const overlaps = boxes.flatMap((a, i) =>
      boxes.slice(i + 1).filter((b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h).map((b) => `${a.title} / ${b.title}`),
    );
    expect(overlaps).toEqual([]);
  });

  it('holds a Prometheus rules file: each alert named once, with a duration, a severity and a runbook', () => {
    expect(new Set(groups.map((group) => group.name)).size).toBe(groups.length);
    const names = rules.map((rule) => rule.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const rule of rules) {
      expect(rule.alert).toMatch(/^Keyward[A-Z]\w+$/);
      expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
      expect(['warning', 'critical'], rule.alert).toContain(rule.labels.severity);
      for (const annotation of ['summary', 'description', 'runbook']) expect(rule.annotations[annotation], `${rule.alert} ${annotation}`).toMatch(/\S/);
    }
  });

  it('has a rule for every alert the README names', () => {
    const paragraph = /\*\*Metrics\*\*[\s\S]*?(?=\n\n)/.exec(read('README.md'))![0];
    const named = [...paragraph.matchAll(/`((?:keyward|nodejs|process)_\w+)(?:\{([^}`]*)\})?`/g)].map((m) => ({ metric: m[1]!, matchers: m[2]?.split(',') ?? [] }));
    expect(named.length).toBeGreaterThanOrEqual(5);
    const missing = named.filter(({ metric, matchers }) => {
      // A histogram is alerted on through its _bucket, _sum or _count series.
      const family = (name: string) => name.replace(/_(bucket|sum|count)$/, '');
      return !rules.some(
        (rule) =>
          readPromql(rule.expr).selectors.some((s) => s.metric === metric || family(s.metric) === metric) &&
          matchers.every((matcher) => rule.expr.replace(/\s/g, '').includes(matcher.replace(/\s/g, ''))),
      );
    });
    expect(missing).toEqual([]);
  });

  it('asks only for metrics the server exports, by labels it writes', () => {
    const problems: string[] = [];
    for (const { where, use } of queries) {
      const known = new Set(TARGET_LABELS);
      for (const { metric, labels } of use.selectors) {
        const written = exposition.series.get(metric);
        if (!written) {
          problems.push(`${where}: no series ${metric}`);
          continue;
        }
        // Labels are known only from samples: the traffic above writes every keyward_* metric.
        if (metric.startsWith('keyward_') && !exposition.sampled.has(metric)) problems.push(`${where}: ${metric} has no sample to check labels against`);
        for (const label of written) known.add(label);
        for (const label of labels) if (!written.has(label) && !TARGET_LABELS.includes(label)) problems.push(`${where}: ${metric} has no label ${label}`);
      }
      for (const label of [...use.groupedBy, ...use.matchedOn]) if (!known.has(label)) problems.push(`${where}: no series it reads has the label ${label}`);
    }
    expect(queries.length).toBeGreaterThan(20);
    expect(problems).toEqual([]);
  });

  it('shows in legends and annotations only labels its query keeps', () => {
    const problems = queries.flatMap(({ where, use, shown }) => {
      const kept = use.groupedBy.length
        ? new Set(use.groupedBy)
        : new Set([...TARGET_LABELS, ...use.selectors.flatMap(({ metric }) => [...(exposition.series.get(metric) ?? [])])]);
      return shown.filter((label) => !kept.has(label)).map((label) => `${where}: shows ${label}, which its query does not keep`);
    });
    expect(problems).toEqual([]);
  });
});
