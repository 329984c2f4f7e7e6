// The browser tests' Chromium: Debian's build through playwright-core, headless, with every
// request that is not allowed aborted and recorded, and every console error, page error and
// dialog recorded, so a test can assert that a page works offline and quietly.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

/** The system Chromium (scripts/provision-test.mjs installs it); `CHROMIUM_PATH` points elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** What Chromium needs to run headless as root in a container, with nothing phoning home. */
export const CHROMIUM_ARGS: readonly string[] = Object.freeze([
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
}

/**
 * One Chromium for a test file: launched before its tests, closed after them. Call it at the
 * top level of the file; the function it returns gives the browser inside a test.
 */
export function useChromium(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (browser === undefined) throw new Error('chromium did not start');
    return browser;
  };
}

/** What a page did that an offline, quiet page must not do. */
export interface PageProblems {
  /** Console errors and warnings (`error: ...`, `warning: ...`) and uncaught errors (`pageerror: ...`). */
  readonly console: string[];
  /** Requests that were not allowed (aborted). */
  readonly requests: string[];
  /** Dialogs opened (alert, confirm, ...), each dismissed. */
  readonly dialogs: string[];
}

export interface OfflinePage {
  readonly page: Page;
  readonly context: BrowserContext;
  readonly problems: PageProblems;
}

/** `file:` and `data:` URLs: what a self-contained page may load. */
export function isLocalUrl(url: string): boolean {
  return url.startsWith('file:') || url.startsWith('data:');
}

/**
 * A new context and page in which every request `allow` refuses (default: all but `file:` and
 * `data:`) is aborted and recorded. Close the context when done.
 */
export async function openOfflinePage(
  browser: Browser,
  options: {
    readonly allow?: (url: string) => boolean;
    readonly viewport?: { readonly width: number; readonly height: number };
  } = {},
): Promise<OfflinePage> {
  const allow = options.allow ?? isLocalUrl;
  const context = await browser.newContext({
    viewport: { ...(options.viewport ?? { width: 1280, height: 900 }) },
    deviceScaleFactor: 1,
  });
  const problems: PageProblems = { console: [], requests: [], dialogs: [] };
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (allow(url)) return route.continue();
    problems.requests.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      problems.console.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.console.push(`pageerror: ${error.message}`));
  page.on('dialog', (dialog) => {
    problems.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return { page, context, problems };
}
