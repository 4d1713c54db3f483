import { test as base, expect, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

export { expect };

/** Every persona of the demo dataset signs in with this password. */
export const DEMO_PASSWORD = 'partnergraph-demo';

const SCREENSHOTS = resolve('../../target/browser');

function isLoopback(url: URL): boolean {
  return url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
}

interface TestFixtures {
  /** Requests the page tried to send off this machine; every test asserts there are none. */
  offMachine: string[];
  /** Saves a full-page screenshot as target/browser/<name>.png. */
  saveScreenshot: (page: Page, name: string) => Promise<void>;
}

export const test = base.extend<TestFixtures>({
  offMachine: [
    async ({ context }, use) => {
      const blocked: string[] = [];
      await context.route('**/*', async (route) => {
        const url = new URL(route.request().url());
        if (url.protocol === 'data:' || url.protocol === 'blob:' || isLoopback(url)) {
          await route.continue();
        } else {
          blocked.push(url.href);
          await route.abort('blockedbyclient');
        }
      });
      await use(blocked);
      expect(blocked, 'requests to other hosts').toEqual([]);
    },
    { auto: true },
  ],
  saveScreenshot: async ({}, use) => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await use(async (page, name) => {
      await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
    });
  },
});

/** Signs in through the portal's sign-in page and waits for the signed-in shell. */
export async function signIn(page: Page, email: string): Promise<void> {
  await page.goto('/portal/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('user-email')).toHaveText(email);
}

/** The main navigation's entries, in order. */
export async function navigationEntries(page: Page): Promise<string[]> {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link').allInnerTexts();
}
