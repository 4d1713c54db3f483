import { resolve } from 'node:path';
import { DEMO_PASSWORD, expect, test } from './fixtures';
import { binary, GATEWAY_LISTENING, start, type Running } from './processes';

// A gateway of its own, whose CRM is the Salesforce sandbox, so the test can make it fail.
let sandbox: Running;
let gateway: Running;

test.beforeAll(async () => {
  sandbox = await start(
    binary('partnergraph-sandbox'),
    ['--salesforce', '127.0.0.1:0'],
    /Salesforce sandbox on (http:\/\/127\.0\.0\.1:\d+)/,
  );
  gateway = await start(
    binary('partnergraph'),
    ['serve', '--config', resolve('e2e/salesforce.toml'), '--demo', '--listen', '127.0.0.1:0'],
    GATEWAY_LISTENING,
    { dataDir: true, env: { PARTNERGRAPH__SALESFORCE__LOGIN_URL: sandbox.ready } },
  );
});

test.afterAll(async () => {
  await gateway.stop();
  await sandbox.stop();
});

test('with Salesforce down, the customer page shows its billing side and says what is missing', async ({
  page,
  request,
  saveScreenshot,
}) => {
  const url = gateway.ready;
  const login = await request.post(`${url}/auth/login`, {
    data: { email: 'paula@acme.example', password: DEMO_PASSWORD },
  });
  const { token } = (await login.json()) as { token: string };
  const answer = await request.post(`${url}/graphql`, {
    headers: { Authorization: `Bearer ${token}` },
    data: {
      query: '{ customers(first: 1, filter: { nameContains: "Initech" }) { nodes { id } } }',
    },
  });
  const body = (await answer.json()) as { data: { customers: { nodes: { id: string }[] } } };
  const initech = body.data.customers.nodes[0]?.id;
  expect(initech).toBeDefined();

  // Every Salesforce API call fails from now on, as in an outage.
  const faults = await request.post(`${sandbox.ready}/_sandbox/faults`, {
    data: { errorPercent: 100, status: 503 },
  });
  expect(faults.ok()).toBe(true);

  await page.goto(`${url}/portal/customers/${initech}#token=${token}`);
  await expect(page.getByRole('heading', { name: 'Initech', level: 2 })).toBeVisible();
  await expect(page.getByText('S00000001')).toBeVisible();
  const notice = page
    .getByRole('status')
    .filter({ hasText: 'Part of this page could not be loaded' });
  await expect(notice).toBeVisible();
  await expect(notice).toContainText('UPSTREAM_UNAVAILABLE');
  await saveScreenshot(page, 'partial-data-salesforce-down');
});
