// The bench and the soak measure the production build: compile it first (about 6 s).
import { execFileSync } from 'node:child_process';

export function buildKeyward(): void {
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
}
