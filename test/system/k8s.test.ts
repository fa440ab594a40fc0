// The manifests cannot drift from the app: probes, ports and env names are checked against the
// code's own routes and configuration schema.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config/config.js';

const K8S = fileURLToPath(new URL('../../k8s/', import.meta.url));
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const files = readdirSync(K8S).filter((f) => f.endsWith('.yaml'));
const docs: Array<{ file: string; doc: Doc }> = files.flatMap((file) =>
  parseAllDocuments(readFileSync(`${K8S}${file}`, 'utf8')).map((d) => {
    if (d.errors.length) throw new Error(`${file}: ${d.errors[0]!.message}`);
    return { file, doc: d.toJS() as Doc };
  }),
);
const byKind = (kind: string) => docs.filter((d) => d.doc.kind === kind).map((d) => d.doc);
const deployment = byKind('Deployment')[0]!;
const container = deployment.spec.template.spec.containers[0];
const configMap = byKind('ConfigMap')[0]!;

describe('k8s manifests', () => {
  it('parse, and the kustomization names every manifest', () => {
    const kustomization = byKind('Kustomization')[0]!;
    expect([...kustomization.resources].sort()).toEqual(files.filter((f) => f !== 'kustomization.yaml').sort());
  });

  it('probe the real health routes on the port the app listens on', () => {
    const port = container.ports.find((p: Doc) => p.name === 'http').containerPort;
    expect(String(port)).toBe(configMap.data.PORT);
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    const metricsPort = container.ports.find((p: Doc) => p.name === 'metrics').containerPort;
    expect(String(metricsPort)).toBe(configMap.data.METRICS_PORT);
    const service = byKind('Service')[0]!;
    expect(service.spec.ports.map((p: Doc) => p.targetPort).sort()).toEqual(['http', 'metrics']);
    expect(service.spec.selector).toEqual(deployment.spec.template.metadata.labels);
  });

  it('name only variables the configuration schema knows, and a complete production configuration', () => {
    const names = new Set<string>(Object.keys(configMap.data));
    for (const workload of [deployment, byKind('Job')[0]!]) {
      const c = workload.spec.template.spec.containers[0];
      for (const e of c.env ?? []) {
        names.add(e.name);
        // Secrets by reference only, never by value.
        expect(e.value).toBeUndefined();
        expect(e.valueFrom.secretKeyRef.name).toBe('keyward-secrets');
      }
      expect(c.envFrom).toEqual([{ configMapRef: { name: configMap.metadata.name } }]);
    }
    for (const name of names) expect(CONFIG_VARIABLES, name).toContain(name);
    const secrets = deployment.spec.template.spec.containers[0].env.map((e: Doc) => e.name).sort();
    expect(secrets).toEqual(['DATABASE_URL', 'KEYWARD_SECRET', 'REDIS_URL']);
    // The ConfigMap plus the three secrets is a configuration production mode accepts.
    const env = { ...configMap.data, KEYWARD_SECRET: 'x'.repeat(40), DATABASE_URL: 'postgres://db/keyward', REDIS_URL: 'redis://redis:6379' };
    expect(loadConfig(env).env).toBe('production');
  });

  it('run non-root on a read-only root filesystem, drain within the grace period, and scale out', () => {
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(container.resources.requests).toBeDefined();
    expect(container.resources.limits).toBeDefined();
    expect(deployment.spec.replicas).toBe(3);
    expect(Number(configMap.data.SHUTDOWN_DELAY)).toBeGreaterThan(0);
    expect(Number(configMap.data.SHUTDOWN_DELAY) + Number(configMap.data.SHUTDOWN_TIMEOUT)).toBeLessThan(pod.terminationGracePeriodSeconds);
    expect(byKind('HorizontalPodAutoscaler')[0]!.spec.scaleTargetRef.name).toBe(deployment.metadata.name);
    expect(byKind('PodDisruptionBudget')[0]!.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(byKind('Job')[0]!.spec.template.spec.containers[0].command).toEqual(['node', 'bin/keyward.js', 'migrate']);
  });
});
