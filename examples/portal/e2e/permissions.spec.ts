import { expect, signIn, test } from './fixtures';

test('victor, a viewer, sees no edit buttons', async ({ page, saveScreenshot }) => {
  await signIn(page, 'victor@acme.example');
  await expect(page.getByRole('link', { name: 'Amber Bakery' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Add customer' })).toHaveCount(0);

  await page.getByRole('link', { name: 'Amber Bakery' }).click();
  await expect(page.getByRole('heading', { name: 'Amber Bakery', level: 2 })).toBeVisible();
  await expect(page.getByRole('heading', { name: /^Users/ })).toBeVisible();
  for (const name of [
    'Order seats',
    'Edit',
    'Deactivate',
    'Delete',
    'Invite user',
    'Log in as',
    'Remove',
  ]) {
    await expect(page.getByRole('button', { name, exact: true })).toHaveCount(0);
  }
  await saveScreenshot(page, 'permissions-victor-customer');

  await page.getByRole('link', { name: 'My Subscriptions' }).click();
  await expect(page.getByRole('columnheader', { name: 'Seats' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Change seats' })).toHaveCount(0);
  await expect(page.getByRole('columnheader', { name: 'Actions' })).toHaveCount(0);

  await page.getByRole('link', { name: 'My Cases' }).click();
  await expect(page.getByRole('columnheader', { name: 'Subject' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Open a case' })).toHaveCount(0);

  await page.getByRole('link', { name: 'Operators' }).click();
  await expect(page.getByRole('cell', { name: 'paula@acme.example' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Suspend' })).toHaveCount(0);
  await saveScreenshot(page, 'permissions-victor-operators');
});
