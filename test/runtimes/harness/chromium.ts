// A Chromium or Chrome already on the machine, driven by playwright-core, which never downloads a
// browser. The flags are the ones that work here as root with no network (see /work/shared/RECIPES.md).
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where a browser usually is: Debian/Ubuntu packages, snap, Google's packages, macOS apps. */
const USUAL_PLACES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/snap/bin/chromium',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

/** A browser installed by `npx playwright install chromium`, if there is one. */
function playwrightManaged(): string | undefined {
  try {
    const path = chromium.executablePath();
    return path && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

/** MEMVEC_CHROMIUM, else the first browser found in the usual places, else a Playwright-managed one. */
export function findChromium(): string {
  const chosen = process.env.MEMVEC_CHROMIUM;
  if (chosen) {
    if (!existsSync(chosen)) throw new Error(`MEMVEC_CHROMIUM=${chosen}: no such file`);
    return chosen;
  }
  const found = USUAL_PLACES.find((p) => existsSync(p)) ?? playwrightManaged();
  if (found) return found;
  throw new Error(
    `no Chromium or Chrome found (looked in ${USUAL_PLACES.join(', ')} and Playwright's cache). ` +
      'Install one (Debian/Ubuntu: `apt-get install -y chromium`; macOS: Google Chrome; anywhere: ' +
      '`npx playwright install chromium`), or set MEMVEC_CHROMIUM to a Chromium or Chrome binary.',
  );
}

export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: findChromium(),
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', ...extraArgs,
    ],
  });
}
