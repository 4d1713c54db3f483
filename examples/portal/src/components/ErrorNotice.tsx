import { Alert, List, Text } from '@mantine/core';
import type { CombinedError } from 'urql';
import { describeError, type DescribedError } from '../api/errors';

function Described({ error }: { error: DescribedError }) {
  return (
    <>
      <Text fw={600} size="sm">
        {error.meaning}
      </Text>
      <Text size="sm" c="dimmed">
        {error.code === null ? error.message : `${error.code}: ${error.message}`}
      </Text>
    </>
  );
}

/** A failed request, in words, with the gateway's code and message. */
export function ErrorNotice({
  error,
  title = 'That did not work',
}: {
  error: CombinedError;
  title?: string;
}) {
  const described = describeError(error);
  return (
    <Alert color="red" title={title} role="alert">
      {described.map((e, i) => (
        <Described key={i} error={e} />
      ))}
    </Alert>
  );
}

/** A failure of `/auth/*` or another non-GraphQL call, already described. */
export function DescribedErrorNotice({
  error,
  title = 'That did not work',
}: {
  error: DescribedError;
  title?: string;
}) {
  return (
    <Alert color="red" title={title} role="alert">
      <Described error={error} />
    </Alert>
  );
}

/**
 * Partial data: the fields that came back null because an upstream failed. The rest of the
 * page is shown; this says what is missing and why.
 */
export function PartialDataNotice({ error }: { error: CombinedError | undefined }) {
  if (error === undefined) return null;
  const missing = describeError(error).filter((e) => e.path !== null);
  if (missing.length === 0) return null;
  return (
    <Alert color="yellow" title="Part of this page could not be loaded" role="status">
      <List size="sm">
        {missing.map((e, i) => (
          <List.Item key={i}>
            <Text span fw={600}>
              {e.path}
            </Text>
            : {e.meaning} ({e.code ?? 'error'}: {e.message})
          </List.Item>
        ))}
      </List>
    </Alert>
  );
}
