// The CLI's password prompt at a real terminal (a pseudo-terminal from util-linux's `script`):
// nothing typed is echoed, backspace edits, Enter ends; piped input is read whole.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = 'test/cli/fixtures/prompt-for-secret.ts';

async function run(command: string[], typed: string, atTerminal: boolean): Promise<string> {
  const argv = atTerminal ? ['script', ['-qfec', command.join(' '), '/dev/null']] as const : [command[0]!, command.slice(1)] as const;
  const child = spawn(argv[0], [...argv[1]], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  if (atTerminal) {
    // Typed only once the prompt is up: the terminal is in raw mode by then.
    for (let i = 0; i < 600 && !output.includes('Password: '); i++) await new Promise((r) => setTimeout(r, 50));
    child.stdin.write(typed);
  } else {
    child.stdin.end(typed);
  }
  const [code] = (await once(child, 'exit')) as [number | null];
  expect(code, output).toBe(0);
  return output;
}

describe('reading a password', { timeout: 60_000 }, () => {
  it('prompts at a terminal without echoing what is typed, and honours backspace', async () => {
    const output = await run([process.execPath, '--import', 'tsx', FIXTURE], 'hunter22\u007fx\r', true);
    expect(output).toContain('Password: ');
    expect(output).toContain('read "hunter2x"');
    expect(output).not.toContain('hunter22');
  });

  it('reads piped input whole, less one final newline', async () => {
    const output = await run([process.execPath, '--import', 'tsx', FIXTURE], 'a long passphrase\n', false);
    expect(output).toContain('read "a long passphrase"');
    expect(output).not.toContain('Password: ');
  });
});
