import { DEMO_PASSWORD, expect, test } from './fixtures';

/**
 * GraphiQL is the gateway's own page (/graphiql), not the portal's, but analysts meet it in a
 * browser all the same: it must render and run queries with no network beyond the gateway
 * (the fixture fails any request to another host) and within its Content-Security-Policy.
 */
test('GraphiQL renders offline within its policy and runs the partner dashboard tab', async ({
  page,
  request,
  saveScreenshot,
}) => {
  const login = await request.post('/auth/login', {
    data: { email: 'paula@acme.example', password: DEMO_PASSWORD },
  });
  expect(login.ok()).toBe(true);
  const { token } = (await login.json()) as { token: string };

  const refused: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') refused.push(message.text());
  });
  await page.goto(`/graphiql#token=${token}`);

  // The example operations are there as tabs, the dashboard among them.
  const dashboard = page.locator('.graphiql-tab', { hasText: 'PartnerDashboard' });
  await expect(dashboard).toBeVisible();
  await dashboard.click();
  await expect(page.locator('.graphiql-query-editor')).toContainText('query PartnerDashboard');

  // GraphiQL learns the new tab's operation name a moment after the switch (it parses the
  // editor's text on a debounce); a run before that names the previous tab's operation, so
  // the run is retried until the dashboard's own answer shows.
  const result = page.locator('.result-window');
  await expect(async () => {
    await page.getByRole('button', { name: /execute query/i }).click();
    await expect(result).toContainText('"totalCount"', { timeout: 3_000 });
  }).toPass({ timeout: 20_000 });
  await expect(result).toContainText('"name"');
  await expect(result).not.toContainText('"errors"');
  await saveScreenshot(page, 'graphiql-partner-dashboard');

  expect(refused, 'console errors (a refused script or style shows here)').toEqual([]);
});
