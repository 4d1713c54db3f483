import { expect, navigationEntries, signIn, test } from './fixtures';

test('dana onboards a partner, finds it with its figures, edits, deactivates and reactivates it', async ({
  page,
  saveScreenshot,
}) => {
  const stamp = Date.now();
  const name = `Fabrikam E2E ${stamp}`;
  const admin = `fred.${stamp}@fabrikam-e2e.example`;
  await signIn(page, 'dana@northwind.example');
  await page.getByRole('link', { name: 'Partners' }).click();
  await page.getByRole('button', { name: 'Onboard a partner' }).click();
  const onboard = page.getByRole('dialog', { name: 'Onboard a partner' });
  await onboard.getByLabel('Partner name').fill(name);
  await onboard.getByLabel('Contact email').fill(`channel.${stamp}@fabrikam-e2e.example`);
  await onboard.getByLabel('Contact first name').fill('Fran');
  await onboard.getByLabel('Contact last name').fill('Fabri');
  await onboard.getByRole('textbox', { name: 'Invoice owner' }).click();
  await page.getByRole('option', { name: 'Customer' }).click();
  await onboard.getByLabel('Invite a first administrator').check();
  await onboard.getByLabel('Administrator email').fill(admin);
  await onboard.getByLabel('Administrator first name').fill('Fred');
  await onboard.getByLabel('Administrator last name').fill('Admin');
  await saveScreenshot(page, 'channel-dana-onboarding');
  await onboard.getByRole('button', { name: 'Onboard partner' }).click();

  // The new partner's page: under Northwind's channel, with its first administrator pending.
  await expect(page.getByRole('heading', { name, level: 2 })).toBeVisible();
  await expect(page).toHaveURL(/\/portal\/partners\/[^/]+$/);
  await expect(
    page.getByText('Partner of Northwind Distribution · channel EMEA-CLOUD'),
  ).toBeVisible();
  await expect(
    page.getByRole('row', { name: new RegExp(admin.replaceAll('.', '\\.')) }),
  ).toContainText('Pending');

  // In the list, with its figures: no customers yet.
  await page.getByRole('link', { name: 'Partners' }).click();
  await expect(page.getByRole('link', { name: 'Acme Cloud' })).toBeVisible();
  const acme = page.getByRole('row', { name: /Acme Cloud/ });
  await expect(acme).toContainText('CB-PRM');
  await page.getByLabel('Partner name contains').fill(name);
  const row = page.getByRole('row', { name: new RegExp(name) });
  await expect(page.getByRole('row')).toHaveCount(2);
  await expect(row.getByRole('cell')).toHaveText([
    new RegExp(name),
    'Active',
    '0',
    '0',
    '0',
    '0',
    '0',
    '—',
  ]);
  await saveScreenshot(page, 'channel-dana-partner-listed');

  await row.getByRole('link', { name }).click();
  await page.getByRole('button', { name: 'Edit', exact: true }).click();
  const edit = page.getByRole('dialog', { name: `Edit ${name}` });
  await edit.getByRole('textbox', { name: 'Name', exact: true }).fill(`${name} Ltd`);
  await edit.getByLabel('Contact phone').fill('+1 555 0142');
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit).toBeHidden();
  await expect(page.getByRole('heading', { name: `${name} Ltd`, level: 2 })).toBeVisible();
  await expect(page.getByText('+1 555 0142')).toBeVisible();

  await page.getByRole('button', { name: 'Deactivate' }).click();
  await page
    .getByRole('dialog', { name: `Deactivate ${name} Ltd?` })
    .getByRole('button', { name: 'Deactivate' })
    .click();
  await expect(page.getByText(`${name} Ltd was deactivated.`)).toBeVisible();
  await expect(page.getByText('Inactive', { exact: true })).toBeVisible();
  await saveScreenshot(page, 'channel-dana-partner-deactivated');
  await page.getByRole('button', { name: 'Reactivate' }).click();
  await page
    .getByRole('dialog', { name: `Reactivate ${name} Ltd?` })
    .getByRole('button', { name: 'Reactivate' })
    .click();
  await expect(page.getByText(`${name} Ltd was reactivated.`)).toBeVisible();
  await expect(page.getByText('Active', { exact: true })).toBeVisible();
});

test('dana publishes an offer to chosen partners with a label, then restores it', async ({
  page,
  saveScreenshot,
}) => {
  const label = `Spring deal ${Date.now()}`;
  await signIn(page, 'dana@northwind.example');
  await page.getByRole('link', { name: 'Offers' }).click();
  const row = page.getByRole('row', { name: /Cloud Backup Standard/ });
  await expect(row).toContainText('All partners of the channel');

  await row.getByRole('button', { name: 'Publish' }).click();
  const publish = page.getByRole('dialog', { name: 'Publish Cloud Backup Standard' });
  await publish.getByLabel('Label').fill(label);
  await publish.getByRole('textbox', { name: 'Eligible partners' }).click();
  await page.getByRole('option', { name: 'Contoso Digital' }).click();
  await page.getByRole('option', { name: 'Umbrella IT' }).click();
  await publish.getByLabel('Label').click();
  await publish.getByRole('button', { name: 'Publish' }).click();
  await expect(publish).toBeHidden();
  await expect(page.getByText('Cloud Backup Standard was published.')).toBeVisible();
  await expect(row).toContainText(label);
  await expect(row).toContainText('Contoso Digital, Umbrella IT');
  await saveScreenshot(page, 'channel-dana-offer-published');

  // Back as it was: no label, open to every partner of the channel.
  await row.getByRole('button', { name: 'Publish' }).click();
  await publish.getByLabel('Label').fill('');
  // Backspace removes the last chosen partner, as the pills' own buttons do with a mouse.
  const eligible = publish.getByRole('textbox', { name: 'Eligible partners' });
  await eligible.click();
  await eligible.press('Backspace');
  await eligible.press('Backspace');
  await publish.getByLabel('Label').click();
  await expect(publish.getByText('Contoso Digital')).toHaveCount(0);
  await publish.getByRole('button', { name: 'Publish' }).click();
  await expect(publish).toBeHidden();
  await expect(row).toContainText('All partners of the channel');
  await expect(row).not.toContainText(label);
});

test('the platform admin sees every partner with its distributor, and names one to onboard', async ({
  page,
  saveScreenshot,
}) => {
  await signIn(page, 'admin@platform.example');
  await page.getByRole('link', { name: 'Partners' }).click();
  // The customer list the admin lands on names partners too: wait for the partner list.
  await expect(page.getByRole('heading', { name: 'Partners', level: 2 })).toBeVisible();
  await expect(page.getByRole('row', { name: /^Globex Systems/ })).toContainText(
    'Southgate Supply',
  );
  await expect(page.getByRole('row', { name: /^Acme Cloud/ })).toContainText(
    'Northwind Distribution',
  );
  await page.getByRole('button', { name: 'Onboard a partner' }).click();
  const onboard = page.getByRole('dialog', { name: 'Onboard a partner' });
  await expect(onboard.getByRole('button', { name: 'Onboard partner' })).toBeDisabled();
  await onboard.getByRole('textbox', { name: 'Distributor' }).click();
  await page.getByRole('option', { name: 'Southgate Supply' }).click();
  await expect(onboard.getByRole('button', { name: 'Onboard partner' })).toBeEnabled();
  await saveScreenshot(page, 'channel-admin-onboarding');
  await onboard.getByRole('button', { name: 'Cancel' }).click();
  await expect(onboard).toBeHidden();
});

for (const email of ['paula@acme.example', 'olga@globex.example']) {
  test(`${email}, a partner operator, sees offers but no channel controls`, async ({
    page,
    saveScreenshot,
  }) => {
    await signIn(page, email);
    const entries = await navigationEntries(page);
    expect(entries).toContain('Offers');
    expect(entries).not.toContain('Partners');
    await page.getByRole('link', { name: 'Offers' }).click();
    await expect(page.getByRole('heading', { name: 'Offers', level: 2 })).toBeVisible();
    await expect(page.getByRole('row').nth(1)).toBeVisible();
    await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Publish' })).toHaveCount(0);
    await saveScreenshot(page, `channel-${email.split('@')[0]}-offers`);

    await page.goto('/portal/partners');
    await expect(page.getByRole('heading', { name: 'Not available' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Onboard a partner' })).toHaveCount(0);
  });
}
