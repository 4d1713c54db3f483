import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Stack,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import {
  CASE_STATUSES,
  CaseDescriptionInput,
  CasePrioritySelect,
  PRIORITY_COLORS,
} from '../components/CaseFields';
import { EnumSelect } from '../components/EnumSelect';
import { ErrorNotice, PartialDataNotice } from '../components/ErrorNotice';
import { formatDateTime, humanize } from '../components/format';
import { idempotencyKey } from '../api/idempotency';
import { PageSkeleton } from '../components/Loading';
import { MutationForm } from '../components/MutationForm';
import { graphql } from '../gql';
import type { CaseDetailQuery, CasePriority, CaseStatus } from '../gql/graphql';
import { useViewer } from '../session/ViewerContext';

const CaseDetailDocument = graphql(`
  query CaseDetail($id: ID!) {
    node(id: $id) {
      __typename
      ... on Case {
        id
        number
        subject
        description
        status
        priority
        createdAt
        customer {
          id
          name
        }
        comments {
          at
          authorEmail
          body
        }
      }
    }
  }
`);

const UpdateCaseDocument = graphql(`
  mutation UpdateCase($input: UpdateCaseInput!) {
    updateCase(input: $input) {
      case {
        id
        status
        priority
        description
      }
    }
  }
`);

const AddCaseCommentDocument = graphql(`
  mutation AddCaseComment($input: AddCaseCommentInput!) {
    addCaseComment(input: $input) {
      case {
        id
        comments {
          at
          authorEmail
          body
        }
      }
    }
  }
`);

type SupportCase = Extract<NonNullable<CaseDetailQuery['node']>, { __typename: 'Case' }>;

function EditCase({ supportCase, onSaved }: { supportCase: SupportCase; onSaved: () => void }) {
  const [result, update] = useMutation(UpdateCaseDocument);
  const [status, setStatus] = useState<CaseStatus>(supportCase.status);
  const [priority, setPriority] = useState<CasePriority>(supportCase.priority);
  const [description, setDescription] = useState(supportCase.description);
  const submit = async () => {
    const answer = await update({
      input: {
        caseId: supportCase.id,
        status,
        priority,
        description,
        idempotencyKey: idempotencyKey(),
      },
    });
    if (answer.error === undefined) onSaved();
  };
  return (
    <MutationForm
      onSubmit={submit}
      error={result.error}
      errorTitle="The case was not updated"
      submitLabel="Save changes"
      busy={result.fetching}
    >
      <Group grow>
        <EnumSelect label="Status" values={CASE_STATUSES} value={status} onChange={setStatus} />
        <CasePrioritySelect value={priority} onChange={setPriority} />
      </Group>
      <CaseDescriptionInput value={description} onChange={setDescription} />
    </MutationForm>
  );
}

function AddComment({ caseId }: { caseId: string }) {
  const [result, comment] = useMutation(AddCaseCommentDocument);
  const [body, setBody] = useState('');
  const submit = async () => {
    const answer = await comment({ input: { caseId, body, idempotencyKey: idempotencyKey() } });
    if (answer.error === undefined) setBody('');
  };
  return (
    <MutationForm
      onSubmit={submit}
      error={result.error}
      errorTitle="The comment was not added"
      submitLabel="Comment"
      busy={result.fetching}
    >
      <Textarea
        label="Add a comment"
        required
        autosize
        minRows={2}
        maxLength={10000}
        value={body}
        onChange={(e) => setBody(e.currentTarget.value)}
      />
    </MutationForm>
  );
}

export function CaseDetailPage() {
  const { id = '' } = useParams();
  const { can } = useViewer();
  const [{ data, fetching, error }, reexecute] = useQuery({
    query: CaseDetailDocument,
    variables: { id },
  });
  const [editing, setEditing] = useState(false);

  if (data === undefined) {
    if (error !== undefined)
      return <ErrorNotice error={error} title="The case could not be loaded" />;
    return fetching ? <PageSkeleton label="Loading case" /> : null;
  }
  const node = data.node;
  if (node === null || node.__typename !== 'Case') {
    return (
      <Stack align="flex-start">
        <Title order={2}>Case not found</Title>
        <Text>There is no case with this id, or it is not one you may see.</Text>
        <Anchor component={Link} to="/cases">
          Back to cases
        </Anchor>
      </Stack>
    );
  }
  const manage = can('MANAGE_CASES');

  return (
    <Stack>
      <Anchor component={Link} to="/cases" size="sm">
        ← All cases
      </Anchor>
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={2}>
            Case {node.number}: {node.subject}
          </Title>
          <Group gap="xs">
            <Badge variant="light">{humanize(node.status)}</Badge>
            <Badge variant="light" color={PRIORITY_COLORS[node.priority]}>
              {humanize(node.priority)} priority
            </Badge>
            <Text size="sm" c="dimmed">
              Opened {formatDateTime(node.createdAt)}
              {node.customer !== null && ` for ${node.customer.name}`}
            </Text>
          </Group>
        </div>
        {manage && !editing && (
          <Button variant="default" onClick={() => setEditing(true)}>
            Edit
          </Button>
        )}
      </Group>
      <PartialDataNotice error={error} />
      <Card withBorder>
        {editing ? (
          <EditCase
            supportCase={node}
            onSaved={() => {
              setEditing(false);
              reexecute({ requestPolicy: 'network-only' });
            }}
          />
        ) : (
          <Text style={{ whiteSpace: 'pre-wrap' }}>{node.description || 'No description.'}</Text>
        )}
      </Card>
      <Title order={3} size="h4">
        Comments ({node.comments.length})
      </Title>
      {node.comments.map((comment, i) => (
        <Card withBorder key={`${comment.at}-${i}`} component="article">
          <Text size="xs" c="dimmed">
            {comment.authorEmail}, {formatDateTime(comment.at)}
          </Text>
          <Text style={{ whiteSpace: 'pre-wrap' }}>{comment.body}</Text>
        </Card>
      ))}
      {node.comments.length === 0 && <Alert color="gray">No comments yet.</Alert>}
      {manage && <AddComment caseId={node.id} />}
    </Stack>
  );
}
