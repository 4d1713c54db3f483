import { expect, signIn, test } from './fixtures';

test('paula adds a customer and orders seats for it', async ({ page, saveScreenshot }) => {
  const name = `Hooli E2E ${Date.now()}`;
  await signIn(page, 'paula@acme.example');
  await page.getByRole('button', { name: 'Add customer' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add a customer' });
  await dialog.getByLabel('Company name').fill(name);
  await dialog.getByLabel('Contact email').fill('it@hooli-e2e.example');
  await dialog.getByLabel('Contact first name').fill('Gavin');
  await dialog.getByLabel('Contact last name').fill('Belson');
  await dialog.getByRole('button', { name: 'Add customer' }).click();

  await expect(page.getByRole('heading', { name, level: 2 })).toBeVisible();
  await expect(page).toHaveURL(/\/portal\/customers\/[^/]+$/);
  await page.getByRole('button', { name: 'Order seats' }).click();
  const order = page.getByRole('dialog', { name: 'Order seats' });
  await order.getByRole('textbox', { name: 'Offer' }).click();
  await page.getByRole('option', { name: /Cloud Backup Premium/ }).click();
  await order.getByRole('textbox', { name: 'Seats' }).fill('5');
  await order.getByRole('button', { name: 'Place order' }).click();

  await expect(page.getByText(/Subscription .+ was ordered\./)).toBeVisible();
  await expect(order).toBeHidden();
  await expect(page.getByRole('heading', { name: 'Subscriptions (1)' })).toBeVisible();
  await expect(
    page.getByRole('row', { name: /Cloud Backup Premium CB-PRM 5 Active/ }),
  ).toBeVisible();
  await saveScreenshot(page, 'customers-paula-added-and-ordered');
});

test('olga adds, edits, deactivates, reactivates and deletes a customer', async ({
  page,
  saveScreenshot,
}) => {
  const name = `Lifecycle E2E ${Date.now()}`;
  await signIn(page, 'olga@globex.example');
  await page.getByRole('button', { name: 'Add customer' }).click();
  const add = page.getByRole('dialog', { name: 'Add a customer' });
  await add.getByLabel('Company name').fill(name);
  await add.getByLabel('Contact email').fill('it@lifecycle-e2e.example');
  await add.getByRole('button', { name: 'Add customer' }).click();
  await expect(page.getByRole('heading', { name, level: 2 })).toBeVisible();

  await page.getByRole('button', { name: 'Edit', exact: true }).click();
  const edit = page.getByRole('dialog', { name: `Edit ${name}` });
  await edit.getByLabel('Phone').fill('+1 555 0199');
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit).toBeHidden();
  await expect(page.getByText('+1 555 0199')).toBeVisible();

  await page.getByRole('button', { name: 'Deactivate' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Deactivate' }).click();
  await expect(page.getByText(`${name} was deactivated.`)).toBeVisible();
  await page.getByRole('button', { name: 'Reactivate' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Reactivate' }).click();
  await expect(page.getByText(`${name} was reactivated.`)).toBeVisible();

  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  const confirm = page.getByRole('dialog', { name: `Delete ${name}?` });
  await expect(confirm).toContainText('This cannot be undone.');
  await saveScreenshot(page, 'customers-delete-confirmation');
  await confirm.getByRole('button', { name: 'Delete for good' }).click();
  await expect(page).toHaveURL(/\/portal\/customers$/);
  await page.getByLabel('Name contains').fill(name);
  await expect(page.getByText('No customer matches these filters.')).toBeVisible();
});

test('customer accounts filter, sort and page through the list', async ({
  page,
  saveScreenshot,
}) => {
  await signIn(page, 'paula@acme.example');
  await expect(page.getByText(/^20 shown of \d+ customers$/)).toBeVisible();
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('button', { name: 'Previous' })).toBeEnabled();
  await page.getByRole('textbox', { name: 'Sort by' }).click();
  await page.getByRole('option', { name: 'Seats' }).click();
  await page.getByLabel('SKU').fill('TC-PRO');
  await expect(page.getByRole('cell', { name: 'Amber Bakery' })).toHaveCount(0);
  await expect(page.getByRole('cell', { name: /TC-PRO/ }).first()).toBeVisible();
  await saveScreenshot(page, 'customers-filtered');
});

test('olga invites a user onto a customer account and removes them', async ({
  page,
  saveScreenshot,
}) => {
  await signIn(page, 'olga@globex.example');
  await page.getByRole('link', { name: 'Amber Engineering' }).click();
  await page.getByRole('button', { name: 'Invite user' }).click();
  const invite = page.getByRole('dialog', { name: /Invite a user to Amber Engineering/ });
  await invite.getByLabel('Email').fill('new.hire@amber-engineering.example');
  await invite.getByLabel('First name').fill('Nina');
  await invite.getByLabel('Last name').fill('Hire');
  await invite.getByRole('button', { name: 'Invite' }).click();
  const row = page.getByRole('row', { name: /new\.hire@amber-engineering\.example/ });
  await expect(row).toContainText('Pending');
  await saveScreenshot(page, 'customers-olga-invited');

  await row.getByRole('button', { name: 'Remove' }).click();
  await page
    .getByRole('dialog', { name: 'Remove this user?' })
    .getByRole('button', { name: 'Remove user' })
    .click();
  await expect(page.getByText('new.hire@amber-engineering.example was removed.')).toBeVisible();
  await expect(row).toHaveCount(0);
});
