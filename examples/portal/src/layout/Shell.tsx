import {
  Alert,
  AppShell,
  Burger,
  Button,
  Center,
  Group,
  Loader,
  Menu,
  NavLink,
  Stack,
  Text,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Suspense, useMemo, useState } from 'react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { PageErrorBoundary } from '../components/PageErrorBoundary';
import { useMutation, useQuery } from 'urql';
import { createClient } from '../api/client';
import { ErrorNotice } from '../components/ErrorNotice';
import { formatMoney } from '../components/format';
import { PageSkeleton } from '../components/Loading';
import { graphql } from '../gql';
import { useSession } from '../session/SessionContext';
import { readOriginalToken } from '../session/token';
import { ViewerProvider, viewerInfo, type ViewerInfo } from '../session/ViewerContext';
import { NAV_ITEMS } from './navigation';

const ViewerDocument = graphql(`
  query Viewer {
    viewer {
      user {
        id
        email
        name
      }
      organization {
        id
        name
        kind
        balance {
          amount
          currency
        }
      }
      customer {
        id
        name
        accountNumber
        balance {
          amount
          currency
        }
      }
      profile {
        code
        name
      }
      permissions
      impersonation {
        actorEmail
        reason
      }
    }
  }
`);

const LogoutDocument = graphql(`
  mutation Logout {
    logout {
      revoked
    }
  }
`);

function AccountSummary({ info }: { info: ViewerInfo }) {
  const { viewer, can } = info;
  const account = viewer.customer ?? viewer.organization;
  if (account === null) return null;
  const owes = account.balance !== null && Number(account.balance.amount) > 0;
  return (
    <Group gap="sm" wrap="nowrap">
      <Stack gap={0}>
        <Text fw={600} data-testid="account-name">
          {account.name}
        </Text>
        {can('VIEW_BILLING') && (
          <Text size="xs" c="dimmed">
            Balance {account.balance === null ? 'unavailable' : formatMoney(account.balance)}
          </Text>
        )}
      </Stack>
      {owes && can('PAY_INVOICES') && (
        <Button component={Link} to="/account#outstanding" size="xs" variant="light">
          Settle invoices
        </Button>
      )}
    </Group>
  );
}

function ImpersonationBanner({
  info,
  onEnd,
  ending,
}: {
  info: ViewerInfo;
  onEnd: () => void;
  ending: boolean;
}) {
  const impersonation = info.viewer.impersonation;
  if (impersonation === null) return null;
  return (
    <Alert
      color="orange"
      variant="filled"
      radius={0}
      py={6}
      role="status"
      data-testid="impersonation-banner"
    >
      <Group justify="space-between">
        <Text size="sm">
          {impersonation.actorEmail} is logged in as {info.viewer.user.email} (
          {info.viewer.user.name}) — reason: {impersonation.reason}
        </Text>
        <Button size="xs" color="dark" onClick={onEnd} loading={ending}>
          End login-as and return to {impersonation.actorEmail}
        </Button>
      </Group>
    </Alert>
  );
}

/** The signed-in frame: header, banner, navigation, and the page. */
export function Shell() {
  const session = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [opened, { toggle, close }] = useDisclosure();
  const [{ data, fetching, error }] = useQuery({
    query: ViewerDocument,
    requestPolicy: 'network-only',
  });
  const [logout, runLogout] = useMutation(LogoutDocument);
  const [signingOut, setSigningOut] = useState(false);
  const info = useMemo(() => (data === undefined ? null : viewerInfo(data.viewer)), [data]);

  const endImpersonation = async () => {
    await runLogout({});
    session.endImpersonation();
    void navigate('/');
  };

  const signOut = async () => {
    setSigningOut(true);
    await runLogout({});
    const own = readOriginalToken();
    if (own !== null) {
      await createClient(own, () => undefined)
        .mutation(LogoutDocument, {})
        .toPromise();
    }
    session.signOut();
  };

  if (info === null) {
    return (
      <Center h="100vh">
        {fetching || error === undefined ? (
          <Loader aria-label="Loading your account" />
        ) : (
          <Stack>
            <ErrorNotice error={error} title="Your account could not be loaded" />
            <Button variant="default" onClick={() => session.signOut()}>
              Back to sign-in
            </Button>
          </Stack>
        )}
      </Center>
    );
  }

  const items = NAV_ITEMS.filter((item) => item.allowed(info));
  const bannerHeight = info.viewer.impersonation === null ? 0 : 44;

  return (
    <ViewerProvider value={info}>
      <AppShell
        header={{ height: 60 + bannerHeight }}
        navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }}
        padding="md"
      >
        <AppShell.Header>
          <ImpersonationBanner
            info={info}
            onEnd={endImpersonation}
            ending={logout.fetching && !signingOut}
          />
          <Group h={60} px="md" justify="space-between" wrap="nowrap">
            <Group wrap="nowrap">
              <Burger
                opened={opened}
                onClick={toggle}
                hiddenFrom="sm"
                size="sm"
                aria-label="Toggle navigation"
              />
              <Title order={1} size="h4">
                Partner Hub
              </Title>
            </Group>
            <Group wrap="nowrap">
              <AccountSummary info={info} />
              <Menu position="bottom-end" withinPortal>
                <Menu.Target>
                  <UnstyledButton aria-label="Your profile and sign-out">
                    <Stack gap={0} align="flex-end">
                      <Text size="sm" fw={500} data-testid="user-email">
                        {info.viewer.user.email}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {info.viewer.user.name} · {info.viewer.profile.name}
                      </Text>
                    </Stack>
                  </UnstyledButton>
                </Menu.Target>
                <Menu.Dropdown>
                  <Menu.Label>{info.viewer.user.name}</Menu.Label>
                  <Menu.Item onClick={signOut} disabled={signingOut}>
                    Sign out
                  </Menu.Item>
                </Menu.Dropdown>
              </Menu>
            </Group>
          </Group>
        </AppShell.Header>
        <AppShell.Navbar p="xs" aria-label="Main">
          {items.map((item) => (
            <NavLink
              key={item.path}
              component={Link}
              to={item.path}
              label={item.label}
              active={location.pathname.startsWith(item.path)}
              onClick={close}
            />
          ))}
        </AppShell.Navbar>
        <AppShell.Main>
          <PageErrorBoundary resetKey={location.pathname}>
            <Suspense fallback={<PageSkeleton label="Loading page" />}>
              <Outlet />
            </Suspense>
          </PageErrorBoundary>
        </AppShell.Main>
      </AppShell>
    </ViewerProvider>
  );
}
