// The browser tests' Chromium: Debian's build through playwright-core, headless, with every
// request that is not allowed aborted and recorded, and every console error, page error and
// dialog recorded, so a test can assert that a page works offline and quietly.
/// <reference lib="dom" />
// (DOM types for the function that counts a canvas's pixels inside the page.)
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

/** Pixel counts of a canvas: near a colour, painted at all (alpha > 0), and all of them. */
export interface CanvasPixels {
  readonly colored: number;
  readonly painted: number;
  readonly total: number;
}

/**
 * Counts the pixels of the canvas at `selector` that are near `color` (`#rrggbb`: a sum of
 * channel differences under 60, alpha over 60), read through a copy so the page's own canvas
 * stays as drawn. All zero when there is no such canvas.
 */
export function countCanvasPixels(
  page: Page,
  selector: string,
  color: string,
): Promise<CanvasPixels> {
  return page.evaluate(
    ([query, hexText]) => {
      const canvas = document.querySelector<HTMLCanvasElement>(query);
      if (!canvas) return { colored: 0, painted: 0, total: 0 };
      const copy = document.createElement('canvas');
      copy.width = canvas.width;
      copy.height = canvas.height;
      const context = copy.getContext('2d', { willReadFrequently: true });
      context?.drawImage(canvas, 0, 0);
      const pixels = context?.getImageData(0, 0, canvas.width, canvas.height).data;
      const hex = parseInt(hexText.slice(1), 16);
      const [r, g, b] = [(hex >> 16) & 255, (hex >> 8) & 255, hex & 255];
      let colored = 0;
      let painted = 0;
      for (let i = 0; pixels && i < pixels.length; i += 4) {
        const alpha = pixels[i + 3] ?? 0;
        if (alpha === 0) continue;
        painted++;
        const distance =
          Math.abs((pixels[i] ?? 0) - r) +
          Math.abs((pixels[i + 1] ?? 0) - g) +
          Math.abs((pixels[i + 2] ?? 0) - b);
        if (alpha > 60 && distance < 60) colored++;
      }
      return { colored, painted, total: canvas.width * canvas.height };
    },
    [selector, color] as const,
  );
}
