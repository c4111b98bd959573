// Where the console tests write their screenshots: docs/images when refreshing them is asked for
// (SEMAMESH_UPDATE_SCREENSHOTS=1), a temporary folder otherwise, so a test run leaves the checkout clean.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function screenshotPath(name: string): string {
  if (process.env.SEMAMESH_UPDATE_SCREENSHOTS === '1')
    return new URL(`../../docs/images/${name}`, import.meta.url).pathname;
  return join(mkdtempSync(join(tmpdir(), 'sm-console-shot-')), name);
}
