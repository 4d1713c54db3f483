import { expect, signIn, test } from './fixtures';

test('dana logs in as carl, sees the banner naming both, and ends the session', async ({
  page,
  saveScreenshot,
}) => {
  await signIn(page, 'dana@northwind.example');
  await page.getByLabel('Name contains').fill('Initech');
  await page.getByRole('link', { name: 'Initech' }).click();
  const carl = page.getByRole('row', { name: /carl@initech\.example/ });
  await carl.getByRole('button', { name: 'Log in as' }).click();
  const dialog = page.getByRole('dialog', { name: 'Log in as a customer user' });
  await dialog.getByLabel('Reason').fill('Support ticket: invoice question');
  await dialog.getByRole('button', { name: 'Log in as carl@initech.example' }).click();

  const banner = page.getByTestId('impersonation-banner');
  await expect(banner).toContainText('dana@northwind.example is logged in as carl@initech.example');
  await expect(banner).toContainText('Support ticket: invoice question');
  await expect(page.getByTestId('user-email')).toHaveText('carl@initech.example');
  await expect(page.getByTestId('account-name')).toHaveText('Initech');
  // The banner stays for the whole session, page after page.
  await page.getByRole('link', { name: 'My Cases' }).click();
  await expect(banner).toBeVisible();
  await saveScreenshot(page, 'impersonation-banner');

  await banner.getByRole('button', { name: /End login-as/ }).click();
  await expect(page.getByTestId('user-email')).toHaveText('dana@northwind.example');
  await expect(page.getByTestId('impersonation-banner')).toHaveCount(0);
  await saveScreenshot(page, 'impersonation-ended');
});
