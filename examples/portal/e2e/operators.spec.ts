import { expect, signIn, test } from './fixtures';

test('the platform admin activates the pending operator as a viewer, then changes the role', async ({
  page,
  saveScreenshot,
}) => {
  await signIn(page, 'admin@platform.example');
  await page.getByRole('link', { name: 'Operators' }).click();
  await page.getByRole('tab', { name: 'Pending operators' }).click();
  const pending = page.getByRole('row', { name: /pending@acme\.example/ });
  await pending.getByRole('button', { name: 'Send activation link' }).click();
  await expect(
    page.getByText('An activation link was sent to pending@acme.example.'),
  ).toBeVisible();
  await pending.getByRole('button', { name: 'Activate' }).click();
  const dialog = page.getByRole('dialog', { name: 'Activate pending@acme.example' });
  await dialog.getByRole('textbox', { name: 'Role (profile)' }).click();
  await page.getByRole('option', { name: 'Viewer' }).click();
  await dialog.getByRole('button', { name: 'Activate' }).click();
  await expect(page.getByText('pending@acme.example is active as Viewer.')).toBeVisible();

  await page.getByRole('tab', { name: 'Operators', exact: true }).click();
  const active = page.getByRole('row', { name: /pending@acme\.example/ });
  await expect(active.getByRole('cell', { name: 'Viewer' })).toBeVisible();
  await active.getByRole('button', { name: 'Change role' }).click();
  await page
    .getByRole('dialog', { name: 'Change role' })
    .getByRole('textbox', { name: 'Role (profile)' })
    .click();
  await page.getByRole('option', { name: 'Partner account executive' }).click();
  await page
    .getByRole('dialog', { name: 'Change role' })
    .getByRole('button', { name: 'Change role' })
    .click();
  await expect(
    page.getByText('pending@acme.example is now Partner account executive.'),
  ).toBeVisible();
  await saveScreenshot(page, 'operators-admin-activated');
});
