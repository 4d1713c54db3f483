import { createHmac, randomUUID } from 'node:crypto';
import type { APIRequestContext } from '@playwright/test';
import { DEMO_PASSWORD, expect, test } from './fixtures';

// The org and key of e2e/gateway.toml, which the global setup starts the gateway with.
const ORG_ID = '00D000000000001EAA';
const KEY = 'portal-e2e-launch-secret-not-for-production';

/** A launch token as the org's Apex signs it (HS256 JWT, claims as docs/configuration.md lists). */
function launchToken(account: string): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({
    iss: ORG_ID,
    sub: 'rita@vendor.my.salesforce.com',
    email: 'rita.rep@vendor.example',
    name: 'Rita Rep',
    account,
    iat: now,
    exp: now + 60,
    jti: randomUUID(),
  })}`;
  return `${unsigned}.${createHmac('sha256', KEY).update(unsigned).digest('base64url')}`;
}

/** Initech's global id and Salesforce Account id, as the platform admin reads them. */
async function initech(request: APIRequestContext): Promise<{ id: string; crm: string }> {
  const login = await request.post('/auth/login', {
    data: { email: 'admin@platform.example', password: DEMO_PASSWORD },
  });
  const { token } = (await login.json()) as { token: string };
  const answer = await request.post('/graphql', {
    headers: { Authorization: `Bearer ${token}` },
    data: {
      query:
        '{ customers(first: 1, filter: { nameContains: "Initech" }) { nodes { id externalIds { crm } } } }',
    },
  });
  const body = (await answer.json()) as {
    data: { customers: { nodes: { id: string; externalIds: { crm: string } }[] } };
  };
  const [customer] = body.data.customers.nodes;
  if (customer === undefined) throw new Error('the demo world has Initech');
  return { id: customer.id, crm: customer.externalIds.crm };
}

test('a Salesforce launch link lands the rep on the customer page, signed in as the rep', async ({
  page,
  request,
  saveScreenshot,
}) => {
  const customer = await initech(request);
  await page.goto(`/launch/salesforce?token=${launchToken(customer.crm)}`);

  await expect(page).toHaveURL(new RegExp(`/portal/customers/${customer.id}$`));
  await expect(page.getByRole('heading', { name: 'Initech', level: 2 })).toBeVisible();
  await expect(page.getByTestId('user-email')).toHaveText('rita.rep@vendor.example');
  // The session token came in the fragment and does not stay in the address bar.
  expect(page.url()).not.toContain('token=');
  await saveScreenshot(page, 'salesforce-launch-customer-page');
});
