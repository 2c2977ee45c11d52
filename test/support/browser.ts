// Headless Chromium for the console's browser tests: Debian's `chromium` driven by playwright-core (no browser
// download). One browser per test file; each page records console errors, uncaught errors and every
// Content-Security-Policy violation, so a test can require that a page ran clean.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** CSP violations, console errors and uncaught exceptions, in order. */
  problems: string[];
}

/** A fresh context (its own cookies) and page, watched for problems. */
export async function watchedPage(browser: Browser, options: BrowserContextOptions = {}): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 960, height: 720 }, ...options });
  const problems: string[] = [];
  // Registered by the DevTools protocol before any page script, so the page's own policy cannot block it.
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));`,
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    // A 4xx answer is logged by Chromium as a console error; the tests assert statuses themselves.
    if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text()))
      problems.push(m.text());
  });
  page.on('pageerror', (err) => problems.push(`uncaught: ${err.message}`));
  return { page, context, problems };
}

/** Signs in through the console's own form. */
export async function signIn(page: Page, base: string, user: { email: string; password: string }): Promise<void> {
  await page.goto(`${base}/console/sign-in`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await Promise.all([page.waitForURL(`${base}/console`), page.getByRole('button', { name: 'Sign in' }).click()]);
}
