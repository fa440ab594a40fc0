// The introspection baseline: a minimal node:http server doing what any key check must do,
// HMAC-SHA256 of the presented key, a Map lookup and a constant-time compare; under the same
// number of processes as Keyward, holding the same keys (BENCH_KEYS_FILE, one a line).
import cluster from 'node:cluster';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const processes = Number(process.env.BENCH_PROCESSES ?? 1);
if (cluster.isPrimary && processes > 1) {
  let ready = 0;
  for (let i = 0; i < processes; i++) cluster.fork().on('message', () => ++ready === processes && console.log('baseline ready'));
  process.once('SIGTERM', () => Object.values(cluster.workers ?? {}).forEach((w) => w?.kill('SIGTERM')));
} else {
  // A normal exit, so that --cpu-prof writes its profile.
  process.once('SIGTERM', () => process.exit(0));
  const pepper = Buffer.from('bench-pepper-bench-pepper-bench-p');
  const hash = (value: string) => createHmac('sha256', pepper).update(value).digest();
  const presented = readFileSync(process.env.BENCH_KEYS_FILE ?? '', 'utf8').split('\n').filter(Boolean);
  const keys = new Map(presented.map((key) => [hash(key).toString('base64url'), { scope: 'invoices:read', organizationId: 'org_bench', hash: hash(key) }]));

  createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const token = new URLSearchParams(body).get('token') ?? '';
      const digest = hash(token);
      const entry = keys.get(digest.toString('base64url'));
      const active = entry !== undefined && timingSafeEqual(entry.hash, digest);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(active ? { active, token_type: 'api_key', scope: entry.scope, organizationId: entry.organizationId } : { active: false }));
    });
  }).listen(Number(process.env.PORT), '127.0.0.1', () => (process.send ? process.send('ready') : console.log('baseline ready')));
}
