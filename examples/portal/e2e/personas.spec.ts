import { expect, navigationEntries, signIn, test } from './fixtures';

test('paula sees the partner pages and Acme customers, no Globex customer', async ({
  page,
  saveScreenshot,
}) => {
  await signIn(page, 'paula@acme.example');
  await expect(page.getByTestId('account-name')).toHaveText('Acme Cloud');
  expect(await navigationEntries(page)).toEqual([
    'Customer Accounts',
    'My Account',
    'My Subscriptions',
    'My Cases',
    'Operators',
    'Offers',
  ]);
  await expect(page).toHaveURL(/\/portal\/customers$/);
  await expect(page.getByRole('link', { name: 'Amber Bakery' })).toBeVisible();
  // 50 in the demo dataset, and those other tests add.
  await expect(page.getByText(/\b(5\d) customers match/)).toBeVisible();
  await page.getByLabel('Name contains').fill('Amber Engineering');
  await expect(page.getByText('No customer matches these filters.')).toBeVisible();
  await saveScreenshot(page, 'personas-paula');
});

test('olga sees Globex customers, no Acme customer', async ({ page, saveScreenshot }) => {
  await signIn(page, 'olga@globex.example');
  await expect(page.getByTestId('account-name')).toHaveText('Globex Systems');
  await expect(page.getByRole('link', { name: 'Amber Engineering' })).toBeVisible();
  await expect(page.getByText('14 customers match')).toBeVisible();
  await page.getByLabel('Name contains').fill('Amber Bakery');
  await expect(page.getByText('No customer matches these filters.')).toBeVisible();
  await saveScreenshot(page, 'personas-olga');
});

test('carl sees only Initech: his account, subscriptions and cases', async ({
  page,
  saveScreenshot,
}) => {
  await signIn(page, 'carl@initech.example');
  await expect(page.getByTestId('account-name')).toHaveText('Initech');
  expect(await navigationEntries(page)).toEqual(['My Account', 'My Subscriptions', 'My Cases']);
  await expect(page).toHaveURL(/\/portal\/account$/);
  await expect(page.getByRole('heading', { name: 'Outstanding invoices' })).toBeVisible();
  await page.getByRole('link', { name: 'My Subscriptions' }).click();
  await expect(page.getByRole('heading', { name: 'My Subscriptions' })).toBeVisible();
  await expect(page.getByRole('columnheader', { name: 'Customer' })).toHaveCount(0);
  await saveScreenshot(page, 'personas-carl');
  await page.goto('/portal/customers');
  await expect(page.getByRole('heading', { name: 'Not available' })).toBeVisible();
});

test('dana sees her partners and their customers', async ({ page, saveScreenshot }) => {
  await signIn(page, 'dana@northwind.example');
  await expect(page.getByTestId('account-name')).toHaveText('Northwind Distribution');
  expect(await navigationEntries(page)).toContain('Partners');
  await page.getByRole('link', { name: 'Partners' }).click();
  await expect(page.getByRole('link', { name: 'Acme Cloud' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Globex Systems' })).toHaveCount(0);
  await saveScreenshot(page, 'personas-dana-partners');
});

test('the platform admin sees every page but My Account', async ({ page, saveScreenshot }) => {
  await signIn(page, 'admin@platform.example');
  expect(await navigationEntries(page)).toEqual([
    'Customer Accounts',
    'My Subscriptions',
    'My Cases',
    'Operators',
    'Partners',
    'Offers',
  ]);
  await page.getByRole('link', { name: 'Operators' }).click();
  // Operators of every organization, partners' and distributors' alike.
  await expect(page.getByRole('cell', { name: 'olga@globex.example' })).toBeVisible();
  await expect(page.getByRole('cell', { name: 'dana@northwind.example' })).toBeVisible();
  await saveScreenshot(page, 'personas-admin-operators');
});

test('signing out revokes the session and returns to sign-in', async ({ page, saveScreenshot }) => {
  await signIn(page, 'victor@acme.example');
  await page.getByRole('button', { name: 'Your profile and sign-out' }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/portal\/sign-in$/);
  await saveScreenshot(page, 'personas-signed-out');
  await page.goto('/portal/customers');
  await expect(page).toHaveURL(/\/portal\/sign-in$/);
});
