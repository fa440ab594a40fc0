// ejs views from the top-level views/ folder (the same path from src/ and from dist/).
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import ejs from 'ejs';

export const VIEWS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'views');

export function renderView(name: string, data: Record<string, unknown>, cache: boolean): Promise<string> {
  return ejs.renderFile(join(VIEWS_DIR, `${name}.ejs`), data, { cache, async: false, rmWhitespace: false });
}
