import { expect, signIn, test } from './fixtures';

test('carl pays an outstanding invoice with his stored card', async ({ page, saveScreenshot }) => {
  await signIn(page, 'carl@initech.example');
  await page.getByRole('link', { name: 'Settle invoices' }).click();
  await expect(page.getByRole('heading', { name: 'Outstanding invoices' })).toBeVisible();
  const outstanding = page.locator('#outstanding');
  const before = await outstanding.getByRole('button', { name: /^Pay / }).count();
  expect(before).toBeGreaterThan(0);
  await outstanding.getByRole('button', { name: /^Pay / }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Pay an invoice' });
  await expect(dialog.getByRole('textbox', { name: 'Payment method' })).toHaveValue(/ending/);
  await dialog.getByRole('button', { name: 'Pay', exact: true }).click();
  await expect(page.getByText(/Payment .+ was made on invoice/)).toBeVisible();
  await expect(outstanding.getByRole('button', { name: /^Pay / })).toHaveCount(before - 1);
  await saveScreenshot(page, 'account-carl-paid');
});
