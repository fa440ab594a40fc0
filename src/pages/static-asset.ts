import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'koa';
import { VIEWS_DIR } from './views.js';

/** Serves one file from views/, read once at start-up. */
export function staticAsset(path: string, type: string) {
  const body = readFileSync(join(VIEWS_DIR, path));
  return (ctx: Context) => {
    ctx.type = type;
    ctx.set('cache-control', 'public, max-age=3600');
    ctx.body = body;
  };
}
