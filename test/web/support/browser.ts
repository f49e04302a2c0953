/**
 * Debian's Chromium, driven by playwright-core (playwright's own browser download cannot work
 * here: scripts/services.sh installs the `chromium` package). A missing browser fails the test
 * with the reason; it is never skipped.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** Screenshots of each page: test artefacts, ignored by git (.tmp/). */
export const ARTEFACTS = resolve(__dirname, '..', '..', '..', '.tmp', 'artefacts', 'web');
/** The screenshot of `npm run demo -- --keep`'s template query (test/e2e/demoKeep.e2e.test.ts), which `npm run docs:screenshot` copies to docs/. */
export const DEMO_SCREENSHOT = 'demo-explorer';

/** A launched browser with its own fresh profile (each tab has its own sessionStorage). */
export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launches headless Chromium with a fresh profile, on loopback only. */
export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run scripts/services.sh start as root (it installs Debian's chromium)`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'cm-chromium-'));
  // The fresh profile is playwright's `userDataDir` (it refuses a --user-data-dir argument).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1400, height: 1000 },
    // playwright-core adds its own --headless; the rest keep the browser off the network and quiet.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 60_000,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a screenshot (the full page, unless `fullPage: false`: the viewport) as `<name>.png` in the artefacts folder; returns its path. */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string> {
  mkdirSync(ARTEFACTS, { recursive: true });
  const path = join(ARTEFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: options.fullPage ?? true });
  return path;
}

/**
 * Presses Tab until the focused element matches `selector` (at most `max` times), as a keyboard
 * user would; fails naming what had focus when it never got there.
 */
export async function tabTo(page: Page, selector: string, max = 80): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(`document.activeElement?.matches(${JSON.stringify(selector)}) ?? false`)) return;
  }
  const focused = await page.evaluate('document.activeElement?.outerHTML.slice(0, 120)');
  throw new Error(`${max} presses of Tab never reached ${selector}; focus is on ${String(focused)}`);
}
