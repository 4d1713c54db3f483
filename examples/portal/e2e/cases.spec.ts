import { expect, signIn, test } from './fixtures';

test('carl opens a case, comments on it and escalates it', async ({ page, saveScreenshot }) => {
  const subject = `Backup restore fails ${Date.now()}`;
  await signIn(page, 'carl@initech.example');
  await page.getByRole('link', { name: 'My Cases' }).click();
  await page.getByRole('button', { name: 'Open a case' }).click();
  const dialog = page.getByRole('dialog', { name: 'Open a support case' });
  await dialog.getByLabel('Subject').fill(subject);
  await dialog.getByLabel('Description').fill('The nightly restore test fails since Monday.');
  await dialog.getByRole('button', { name: 'Open case' }).click();

  await expect(page.getByRole('heading', { name: new RegExp(subject), level: 2 })).toBeVisible();
  await page.getByLabel('Add a comment').fill('It also fails for the weekly job.');
  await page.getByRole('button', { name: 'Comment' }).click();
  await expect(page.getByText('It also fails for the weekly job.')).toBeVisible();

  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByRole('textbox', { name: 'Status' }).click();
  await page.getByRole('option', { name: 'Escalated' }).click();
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByText('Escalated', { exact: true })).toBeVisible();
  await saveScreenshot(page, 'cases-carl-case');

  await page.getByRole('link', { name: 'All cases' }).click();
  await expect(page.getByRole('cell', { name: subject })).toBeVisible();
});
