// The servers the bench starts (Keyward, the baselines), each a child process: started until
// ready, stopped at the end or when a phase is over, and read from /proc for their peak memory
// and the CPU they used (Linux; elsewhere those figures are null).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Server {
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
const outputs = new Map<string, () => string>();

/** The end of what every server printed: a failed run says why a server stopped answering. */
export function serverOutputs(): string {
  return [...outputs].map(([script, output]) => `--- ${script}\n${output().slice(-3000)}`).join('\n');
}

/** Node's flags writing a V8 CPU profile into `dir` (none without one). */
export function profilerArguments(dir: string | undefined): string[] {
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/**
 * Starts a server script, under tsx unless `nodeArguments` say otherwise (a built .js file);
 * ready when it prints `ready`, or when `ready` (a URL) answers 200.
 */
export async function startServer(script: string, env: Record<string, string>, ready: string, nodeArguments: readonly string[] = ['--import', 'tsx']): Promise<Server> {
  const child = spawn(process.execPath, [...nodeArguments, script], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const server: Server = { child, output: () => out, stop: () => stopChild(child) };
  outputs.set(`${script} (pid ${child.pid})`, server.output);
  const isReady = async () => {
    if (!ready.startsWith('http')) return out.includes(ready);
    return fetch(ready).then((r) => r.ok, () => false);
  };
  for (let i = 0; i < 1200 && !(await isReady()); i++) {
    if (child.exitCode !== null) throw new Error(`${script} exited:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!(await isReady())) throw new Error(`${script} did not start:\n${out}`);
  return server;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  running.delete(child);
}

/** Stops every server still running (the bench's `finally`). */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...running].map(stopChild));
}

/** A process and its direct children (node:cluster workers). */
function processTree(pid: number): number[] {
  try {
    return [pid, ...readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number)];
  } catch {
    return [];
  }
}

/** Peak resident set (VmHWM) of a process and its direct children, in MB. */
export function peakRssMb(pid: number): number {
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      total += Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return Math.round(total / 1024);
}

// /proc/<pid>/stat counts in clock ticks; Linux's USER_HZ is 100 on every common architecture.
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process and its direct children have used so far, or null off Linux. */
export function cpuSeconds(pid: number): number | null {
  const tree = processTree(pid);
  if (tree.length === 0) return null;
  let ticks = 0;
  for (const p of tree) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state is the 3rd, utime the 14th, stime the 15th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks / TICKS_PER_SECOND;
}
