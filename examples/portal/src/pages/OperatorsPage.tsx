import {
  Button,
  Group,
  Modal,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Tabs,
  Text,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { ActionNotice } from '../components/ActionNotice';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { formatDate, humanize } from '../components/format';
import { idempotencyKey } from '../api/idempotency';
import { MutationForm } from '../components/MutationForm';
import { PagedConnection } from '../components/PagedConnection';
import { useCursorPaging } from '../components/Paging';
import { ListTable } from '../components/ListTable';
import { graphql } from '../gql';
import type { OperatorsQuery, UserStatus } from '../gql/graphql';
import { useActionNotice } from '../hooks/useActionNotice';
import { useViewer } from '../session/ViewerContext';

const OperatorsDocument = graphql(`
  query Operators($first: Int, $after: String, $last: Int, $before: String, $status: UserStatus!) {
    users(
      first: $first
      after: $after
      last: $last
      before: $before
      filter: { status: $status }
      orderBy: { field: EMAIL }
    ) {
      totalCount
      pageInfo {
        ...CursorPageInfo
      }
      nodes {
        id
        email
        name
        status
        createdAt
        organization {
          id
          name
        }
        profile {
          id
          name
        }
      }
    }
    profiles {
      id
      code
      name
    }
  }
`);

const ActivateUserDocument = graphql(`
  mutation ActivateUser($input: UserProfileInput!) {
    activateUser(input: $input) {
      user {
        id
        status
        profile {
          id
          name
        }
      }
    }
  }
`);

const ChangeUserProfileDocument = graphql(`
  mutation ChangeUserProfile($input: UserProfileInput!) {
    changeUserProfile(input: $input) {
      user {
        id
        profile {
          id
          name
        }
      }
    }
  }
`);

const SuspendUserDocument = graphql(`
  mutation SuspendUser($input: UserActionInput!) {
    suspendUser(input: $input) {
      user {
        id
        status
      }
    }
  }
`);

const SendActivationLinkDocument = graphql(`
  mutation SendActivationLink($input: UserActionInput!) {
    sendActivationLink(input: $input) {
      user {
        id
        email
      }
    }
  }
`);

type Operator = OperatorsQuery['users']['nodes'][number];
type Profile = OperatorsQuery['profiles'][number];

/** Built-in profiles of customer accounts, which an operator is never given. */
const CUSTOMER_PROFILES = new Set(['CUSTOMER_ADMIN', 'CUSTOMER_USER']);

function ChooseProfile({
  operator,
  profiles,
  activate,
  onClose,
  onDone,
}: {
  operator: Operator;
  profiles: Profile[];
  activate: boolean;
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const [activation, runActivate] = useMutation(ActivateUserDocument);
  const [change, runChange] = useMutation(ChangeUserProfileDocument);
  const [key] = useState(idempotencyKey);
  const [profileId, setProfileId] = useState<string | null>(operator.profile?.id ?? null);
  const result = activate ? activation : change;
  const submit = async () => {
    if (profileId === null) return;
    const input = { userId: operator.id, profileId, idempotencyKey: key };
    const answer = activate ? await runActivate({ input }) : await runChange({ input });
    const profile = profiles.find((p) => p.id === profileId)?.name ?? 'the new role';
    if (answer.error === undefined) {
      onDone(
        activate
          ? `${operator.email} is active as ${profile}.`
          : `${operator.email} is now ${profile}.`,
      );
    }
  };
  return (
    <MutationForm
      onSubmit={submit}
      error={result.error}
      submitLabel={activate ? 'Activate' : 'Change role'}
      busy={result.fetching}
      onCancel={onClose}
    >
      <Select
        label="Role (profile)"
        required
        allowDeselect={false}
        data={profiles
          .filter((p) => !CUSTOMER_PROFILES.has(p.code))
          .map((p) => ({ value: p.id, label: p.name }))}
        value={profileId}
        onChange={setProfileId}
      />
    </MutationForm>
  );
}

type Dialog =
  | { kind: 'activate'; operator: Operator }
  | { kind: 'role'; operator: Operator }
  | { kind: 'suspend'; operator: Operator };

function OperatorList({ status }: { status: UserStatus }) {
  const { viewer, can } = useViewer();
  const paging = useCursorPaging();
  const [{ data, fetching, error }, reexecute] = useQuery({
    query: OperatorsDocument,
    variables: { ...paging.variables, status },
  });
  const [, suspend] = useMutation(SuspendUserDocument);
  const [linkResult, sendLink] = useMutation(SendActivationLinkDocument);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const { notice, setNotice, report, after, dismiss } = useActionNotice(reexecute);
  const manage = can('MANAGE_USERS');
  const close = () => setDialog(null);
  const done = (message: string) => {
    close();
    report(message);
  };

  return (
    <Stack>
      <ActionNotice notice={notice} onClose={dismiss} />
      {linkResult.error !== undefined && (
        <ErrorNotice error={linkResult.error} title="The link was not sent" />
      )}
      <PagedConnection
        connection={data?.users}
        fetching={fetching}
        error={error}
        paging={paging}
        noun="operators"
      >
        {(connection) => (
          <ListTable
            minWidth={700}
            striped
            aria-busy={fetching}
            head={
              <>
                <Table.Th>Name</Table.Th>
                <Table.Th>Email</Table.Th>
                <Table.Th>Organization</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th>Since</Table.Th>
                {manage && <Table.Th>Actions</Table.Th>}
              </>
            }
            rows={connection.nodes}
            empty={<Text>No {humanize(status).toLowerCase()} operators.</Text>}
            emptyColSpan={6}
          >
            {(operator) => {
              const self = operator.id === viewer.user.id;
              return (
                <Table.Tr key={operator.id}>
                  <Table.Td>{operator.name}</Table.Td>
                  <Table.Td>{operator.email}</Table.Td>
                  <Table.Td>{operator.organization?.name ?? 'Platform'}</Table.Td>
                  <Table.Td>{operator.profile?.name ?? '—'}</Table.Td>
                  <Table.Td>{formatDate(operator.createdAt)}</Table.Td>
                  {manage && (
                    <Table.Td>
                      {!self && (
                        <Group gap="xs" wrap="nowrap">
                          {operator.status === 'PENDING' && (
                            <>
                              <Button
                                size="xs"
                                onClick={() => setDialog({ kind: 'activate', operator })}
                              >
                                Activate
                              </Button>
                              <Button
                                size="xs"
                                variant="light"
                                loading={linkResult.fetching}
                                onClick={async () => {
                                  const answer = await sendLink({
                                    input: {
                                      userId: operator.id,
                                      idempotencyKey: idempotencyKey(),
                                    },
                                  });
                                  if (answer.error === undefined)
                                    setNotice(`An activation link was sent to ${operator.email}.`);
                                }}
                              >
                                Send activation link
                              </Button>
                            </>
                          )}
                          {operator.status !== 'PENDING' && (
                            <Button
                              size="xs"
                              variant="light"
                              onClick={() => setDialog({ kind: 'role', operator })}
                            >
                              Change role
                            </Button>
                          )}
                          {operator.status === 'ACTIVE' && (
                            <Button
                              size="xs"
                              variant="subtle"
                              color="red"
                              onClick={() => setDialog({ kind: 'suspend', operator })}
                            >
                              Suspend
                            </Button>
                          )}
                        </Group>
                      )}
                    </Table.Td>
                  )}
                </Table.Tr>
              );
            }}
          </ListTable>
        )}
      </PagedConnection>
      <Modal
        opened={dialog?.kind === 'activate' || dialog?.kind === 'role'}
        onClose={close}
        title={dialog?.kind === 'activate' ? `Activate ${dialog.operator.email}` : 'Change role'}
      >
        {(dialog?.kind === 'activate' || dialog?.kind === 'role') && data !== undefined && (
          <ChooseProfile
            operator={dialog.operator}
            profiles={data.profiles}
            activate={dialog.kind === 'activate'}
            onClose={close}
            onDone={done}
          />
        )}
      </Modal>
      <ConfirmDialog
        opened={dialog?.kind === 'suspend'}
        title="Suspend this operator?"
        confirmLabel="Suspend"
        danger
        onClose={close}
        onConfirm={async () => {
          if (dialog?.kind !== 'suspend') return undefined;
          const answer = await suspend({
            input: { userId: dialog.operator.id, idempotencyKey: idempotencyKey() },
          });
          return after(`${dialog.operator.email} was suspended.`)(answer);
        }}
      >
        {dialog?.kind === 'suspend' &&
          `${dialog.operator.email} is signed out at once and can no longer sign in.`}
      </ConfirmDialog>
    </Stack>
  );
}

export function OperatorsPage() {
  const [status, setStatus] = useState<'ACTIVE' | 'SUSPENDED'>('ACTIVE');
  return (
    <Stack>
      <Title order={2}>Operators</Title>
      <Tabs defaultValue="operators" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="operators">Operators</Tabs.Tab>
          <Tabs.Tab value="pending">Pending operators</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="operators" pt="md">
          <Stack>
            <SegmentedControl
              w="fit-content"
              aria-label="Operator status"
              data={[
                { value: 'ACTIVE', label: 'Active' },
                { value: 'SUSPENDED', label: 'Suspended' },
              ]}
              value={status}
              onChange={(value) => setStatus(value === 'SUSPENDED' ? 'SUSPENDED' : 'ACTIVE')}
            />
            <OperatorList key={status} status={status} />
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="pending" pt="md">
          <OperatorList status="PENDING" />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
