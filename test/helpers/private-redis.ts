// A Redis of the test's own, on a free port, that the test may stop and start (never the
// shared one on 6379); also `npm test`'s Redis when nothing answers on TEST_REDIS_URL.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export interface PrivateRedis {
  url: string;
  /** The temporary folder it runs in. */
  dir: string;
  start(): Promise<void>;
  stop(): void;
  remove(): void;
}

export async function privateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'keyward-redis-'));
  const cli = (...args: string[]) => execFileSync('redis-cli', ['-p', String(port), ...args], { stdio: 'pipe' }).toString().trim();
  const redis: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    dir,
    async start() {
      execFileSync('redis-server', [
        '--port', String(port), '--bind', '127.0.0.1', '--daemonize', 'yes', '--save', '', '--appendonly', 'no',
        '--pidfile', join(dir, 'redis.pid'), '--dir', dir,
      ]);
      for (let i = 0; i < 100; i++) {
        try {
          if (cli('ping') === 'PONG') return;
        } catch {
          // not up yet
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error('private redis did not start');
    },
    stop() {
      try {
        cli('shutdown', 'nosave');
      } catch {
        // already stopped
      }
    },
    remove() {
      redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await redis.start();
  } catch (err) {
    redis.remove();
    throw err;
  }
  return redis;
}
