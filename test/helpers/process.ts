// Runs Keyward the way a user does: `npm start`'s entry point and the `keyward` bin, as child
// processes with their own environment.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { freePort } from './free-port.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BASE_ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'test', LOG_LEVEL: 'info' };

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

export async function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...BASE_ENV, PORT: String(port), ISSUER: url, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // Generous: two full suites beside each other on two cores took more than 90 s to start one.
  const deadline = Date.now() + 180_000;
  while (!output.includes('keyward started')) {
    if (child.exitCode !== null) throw new Error(`keyward exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`keyward did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Longer than any command takes on a loaded machine, shorter than a test's own timeout. */
const CLI_TIMEOUT_MS = 60_000;

/**
 * Runs the CLI as a process. One that outlives CLI_TIMEOUT_MS is killed (it could otherwise
 * hold the embedded database's lock and fail the tests after it) and reported as such.
 */
export async function runCli(args: string[], env: Record<string, string>, input?: string): Promise<CliResult> {
  const child = spawn(process.execPath, ['bin/keyward.js', ...args], {
    cwd: ROOT,
    env: { ...BASE_ENV, ...env },
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  child.stdin?.end(input);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => {
    stderr += `\n(killed after ${CLI_TIMEOUT_MS} ms)`;
    child.kill('SIGKILL');
  }, CLI_TIMEOUT_MS);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/**
 * Runs a CLI command in this process, with `env` as its whole environment and `input` as the
 * password it reads: the same code as the `keyward` bin without a process start, for tests that
 * are about the command, not the process.
 */
export async function runCommand(args: string[], env: Record<string, string>, input?: string): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const readSecret = async () => {
    if (input === undefined) throw new Error('the command asked for a password and the test gave none');
    return input;
  };
  const code = await main(args, { env: { NODE_ENV: 'test', ...env }, stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), readSecret });
  return { code, stdout, stderr };
}

export function json(result: CliResult): Record<string, unknown> {
  if (result.code !== 0) throw new Error(`keyward exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}
