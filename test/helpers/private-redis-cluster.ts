// A three-node Redis Cluster of the test's own, on free ports, removed afterwards.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export interface PrivateRedisCluster {
  /** A seed node, as REDIS_URL with REDIS_CLUSTER=true takes it. */
  seedUrl: string;
  ports: number[];
  remove(): void;
}

export async function privateRedisCluster(): Promise<PrivateRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-cluster-'));
  const ports: number[] = [];
  for (let i = 0; i < 3; i++) ports.push(await freePort());
  const cli = (port: number, ...args: string[]) => execFileSync('redis-cli', ['-p', String(port), ...args], { stdio: 'pipe' }).toString();
  for (const port of ports) {
    execFileSync('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--daemonize', 'yes', '--save', '', '--appendonly', 'no',
      '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`),
      '--pidfile', join(dir, `${port}.pid`), '--dir', dir,
    ]);
  }
  for (const port of ports) {
    for (let i = 0; i < 100; i++) {
      try {
        if (cli(port, 'ping').trim() === 'PONG') break;
      } catch {
        // starting
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  execFileSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { stdio: 'pipe' });
  for (let i = 0; i < 200; i++) {
    if (ports.every((port) => cli(port, 'cluster', 'info').includes('cluster_state:ok'))) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    seedUrl: `redis://127.0.0.1:${ports[0]}`,
    ports,
    remove() {
      for (const port of ports) {
        try {
          cli(port, 'shutdown', 'nosave');
        } catch {
          // already down
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
