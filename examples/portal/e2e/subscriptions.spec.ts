import { expect, signIn, test } from './fixtures';

test('carl changes the seats of a subscription and cancels another', async ({
  page,
  saveScreenshot,
}) => {
  await signIn(page, 'carl@initech.example');
  await page.getByRole('link', { name: 'My Subscriptions' }).click();
  const first = page.getByRole('row', { name: /S00000001/ });
  await first.getByRole('button', { name: 'Change seats' }).click();
  const dialog = page.getByRole('dialog', { name: 'Change seats' });
  await dialog.getByRole('textbox', { name: 'Seats' }).fill('3');
  await dialog.getByRole('button', { name: 'Change seats' }).click();
  await expect(page.getByText('Subscription S00000001 now has 3 seats.')).toBeVisible();
  await expect(first.getByRole('cell', { name: '3', exact: true })).toBeVisible();

  const second = page.getByRole('row', { name: /S00000002/ });
  await second.getByRole('button', { name: 'Cancel' }).click();
  const confirm = page.getByRole('dialog', { name: 'Cancel this subscription?' });
  await confirm.getByRole('button', { name: 'Cancel subscription' }).click();
  await expect(page.getByText('Subscription S00000002 was cancelled.')).toBeVisible();
  await saveScreenshot(page, 'subscriptions-carl-changed');
});

test('paula switches to a customer subscriptions and orders seats there', async ({
  page,
  saveScreenshot,
}) => {
  await signIn(page, 'paula@acme.example');
  await page.getByLabel('Name contains').fill('Amber Clinics');
  await page.getByRole('link', { name: 'Amber Clinics' }).click();
  await page.getByRole('link', { name: 'Subscriptions', exact: true }).click();
  await expect(page.getByText(/^Subscriptions of/)).toContainText('Amber Clinics');
  const rows = page.getByRole('row', { name: /Amber Clinics/ });
  const before = await rows.count();
  await page.getByRole('button', { name: 'Order seats' }).click();
  const order = page.getByRole('dialog', { name: 'Order seats' });
  await order.getByRole('textbox', { name: 'Offer' }).click();
  await page.getByRole('option', { name: /Secure Mail Basic/ }).click();
  await order.getByRole('button', { name: 'Place order' }).click();
  await expect(page.getByText(/Subscription .+ was ordered\./)).toBeVisible();
  await expect(rows).toHaveCount(before + 1);
  await saveScreenshot(page, 'subscriptions-paula-customer');
});
