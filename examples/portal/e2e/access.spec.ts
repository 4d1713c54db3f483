import { expect, signIn, test, DEMO_PASSWORD } from './fixtures';

/** Acme Cloud's customer Amber Bakery: not Initech's, so not carl's to see. */
const AMBER_BAKERY = 'Q3VzdG9tZXI6Y3VzLTAyMQ';

test('carl cannot open another customer page by URL', async ({ page, saveScreenshot }) => {
  await signIn(page, 'carl@initech.example');
  await page.goto(`/portal/customers/${AMBER_BAKERY}`);
  await expect(page.getByRole('heading', { name: 'Customer not found' })).toBeVisible();
  await expect(page.getByText('Amber Bakery')).toHaveCount(0);
  await saveScreenshot(page, 'access-carl-other-customer');
});

test('a wrong password is refused in words', async ({ page, saveScreenshot }) => {
  await page.goto('/portal/sign-in');
  await page.getByLabel('Email').fill('paula@acme.example');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('You are not signed in, or your session has ended.');
  await expect(alert).toContainText('UNAUTHENTICATED: wrong email or password');
  await saveScreenshot(page, 'access-wrong-password');
});

test('a token in the URL fragment signs in and leaves the address bar', async ({
  page,
  request,
  saveScreenshot,
}) => {
  const answer = await request.post('/auth/login', {
    data: { email: 'victor@acme.example', password: DEMO_PASSWORD },
  });
  const { token } = (await answer.json()) as { token: string };
  await page.goto(`/portal/customers#token=${token}`);
  await expect(page.getByTestId('user-email')).toHaveText('victor@acme.example');
  expect(new URL(page.url()).hash).toBe('');
  await saveScreenshot(page, 'access-fragment-token');
});

test('sign-up shows the normalised account number and the refusal as the API gives it', async ({
  page,
  saveScreenshot,
}) => {
  await page.goto('/portal/sign-up');
  await page.getByLabel('First name').fill('Eve');
  await page.getByLabel('Last name').fill('Nobody');
  await page.getByLabel('Work email').fill('eve@nowhere.example');
  await page.getByLabel('Account number').fill('  a00000042 ');
  await expect(page.getByText('Will be sent as A00000042')).toBeVisible();
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Sign up' }).click();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('BAD_USER_INPUT');
  await expect(alert).toContainText('could not be validated');
  await saveScreenshot(page, 'access-sign-up-refused');
});
