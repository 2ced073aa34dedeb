/**
 * Finds a Chromium to drive with playwright-core (which downloads no browser here): `$CHROMIUM_PATH`, else the first of
 * the usual names on PATH. scripts/ensure-chromium.sh installs Debian's `chromium` when none is found.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const executable = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (env.CHROMIUM_PATH) return executable(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : undefined;
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean))
    for (const name of CHROMIUM_NAMES) if (executable(join(dir, name))) return join(dir, name);
  return undefined;
}

export const NO_CHROMIUM =
  'no Chromium found ($CHROMIUM_PATH, or chromium / chromium-browser / google-chrome on PATH): ' +
  'run `bash scripts/ensure-chromium.sh` (installs Debian’s chromium with apt-get when run as root) or set CHROMIUM_PATH';
