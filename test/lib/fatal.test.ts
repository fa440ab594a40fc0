// A rejection or exception nothing handled ends the server with a structured log line and a
// non-zero exit, never silently and never as a process that carries on in an unknown state.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function runWithGuards(fault: string) {
  const script = `
    const { exitOnUnhandledErrors } = await import('./src/lib/fatal.ts');
    const { createLogger } = await import('./src/lib/logger.ts');
    exitOnUnhandledErrors(createLogger('info'));
    ${fault}
    setTimeout(() => console.log('still running'), 2000);
  `;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  const lines = run.stdout.split('\n').filter((line) => line.startsWith('{'));
  return { code: run.status, stdout: run.stdout, logged: lines.map((line) => JSON.parse(line) as { level: number; msg: string; err: { message: string } }) };
}

describe('unhandled errors', () => {
  it('logs an unhandled rejection and exits 1', () => {
    const run = runWithGuards(`Promise.reject(new Error('nobody handles this'));`);
    expect(run.code).toBe(1);
    expect(run.stdout).not.toContain('still running');
    expect(run.logged).toEqual([expect.objectContaining({ level: 60, msg: 'unhandled promise rejection; exiting', err: expect.objectContaining({ message: 'nobody handles this' }) })]);
  });

  it('logs an uncaught exception and exits 1', () => {
    const run = runWithGuards(`setTimeout(() => { throw new Error('thrown in a timer'); }, 10);`);
    expect(run.code).toBe(1);
    expect(run.stdout).not.toContain('still running');
    expect(run.logged).toEqual([expect.objectContaining({ level: 60, msg: 'uncaught exception; exiting', err: expect.objectContaining({ message: 'thrown in a timer' }) })]);
  });
});
