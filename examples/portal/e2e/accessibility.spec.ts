import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, signIn, test } from './fixtures';

async function criticalViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((violation) => violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
    );
}

test('sign-in and sign-up have no critical accessibility violations', async ({
  page,
  saveScreenshot,
}) => {
  await page.goto('/portal/sign-in');
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  expect(await criticalViolations(page)).toEqual([]);
  await page.goto('/portal/sign-up');
  await expect(page.getByRole('button', { name: 'Sign up' })).toBeVisible();
  expect(await criticalViolations(page)).toEqual([]);
  await saveScreenshot(page, 'a11y-sign-up');
});

test('the partner pages have no critical accessibility violations', async ({
  page,
  saveScreenshot,
}) => {
  await signIn(page, 'paula@acme.example');
  const pages: Array<[string, string]> = [
    ['/portal/customers', 'Customer Accounts'],
    ['/portal/customers/Q3VzdG9tZXI6Y3VzLTAwMQ', 'Initech'],
    ['/portal/account', 'My Account'],
    ['/portal/subscriptions', 'My Subscriptions'],
    ['/portal/cases', 'My Cases'],
    ['/portal/operators', 'Operators'],
    ['/portal/offers', 'Offers'],
  ];
  for (const [path, heading] of pages) {
    await page.goto(path);
    await expect(page.getByRole('heading', { name: heading, level: 2 })).toBeVisible();
    await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
    expect(await criticalViolations(page), path).toEqual([]);
    await saveScreenshot(page, `a11y${path.replaceAll('/', '-')}`);
  }
});

test('the distributor channel pages have no critical accessibility violations', async ({
  page,
  saveScreenshot,
}) => {
  await signIn(page, 'dana@northwind.example');
  await page.goto('/portal/partners');
  await expect(page.getByRole('link', { name: 'Acme Cloud' })).toBeVisible();
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
  expect(await criticalViolations(page)).toEqual([]);
  await saveScreenshot(page, 'a11y-partners');

  await page.getByRole('button', { name: 'Onboard a partner' }).click();
  const onboard = page.getByRole('dialog', { name: 'Onboard a partner' });
  await onboard.getByLabel('Invite a first administrator').check();
  await expect(onboard.getByLabel('Administrator email')).toBeVisible();
  expect(await criticalViolations(page), 'onboarding form').toEqual([]);
  await saveScreenshot(page, 'a11y-partners-onboard');
  await onboard.getByRole('button', { name: 'Cancel' }).click();

  await page.getByRole('link', { name: 'Acme Cloud' }).click();
  await expect(page.getByRole('heading', { name: 'Acme Cloud', level: 2 })).toBeVisible();
  expect(await criticalViolations(page), 'partner page').toEqual([]);
  await saveScreenshot(page, 'a11y-partner');

  await page.goto('/portal/offers');
  await expect(page.getByRole('heading', { name: 'Offers', level: 2 })).toBeVisible();
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
  expect(await criticalViolations(page), 'offers').toEqual([]);
  await page
    .getByRole('row', { name: /Cloud Backup Premium/ })
    .getByRole('button', { name: 'Publish' })
    .click();
  await expect(page.getByRole('dialog', { name: 'Publish Cloud Backup Premium' })).toBeVisible();
  expect(await criticalViolations(page), 'publish form').toEqual([]);
  await saveScreenshot(page, 'a11y-offers-publish');
});

test('the customer account page has no critical accessibility violations', async ({
  page,
  saveScreenshot,
}) => {
  await signIn(page, 'carl@initech.example');
  await expect(page.getByRole('heading', { name: 'Outstanding invoices' })).toBeVisible();
  expect(await criticalViolations(page)).toEqual([]);
  await saveScreenshot(page, 'a11y-customer-account');
});
