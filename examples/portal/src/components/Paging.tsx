import { Button, Group, Text } from '@mantine/core';
import { useState } from 'react';
import type { ResultOf } from '@graphql-typed-document-node/core';
import { graphql } from '../gql';

const PAGE_SIZE = 20;

type PageVariables =
  | { first: number; after?: string; last?: never; before?: never }
  | { last: number; before: string; first?: never; after?: never };

/**
 * What the pager reads of a connection's `pageInfo`; every paged query spreads it
 * (`pageInfo { ...CursorPageInfo }`) so the lists ask for the same fields the pager needs.
 */
export const CursorPageInfoFragment = graphql(`
  fragment CursorPageInfo on PageInfo {
    hasPreviousPage
    hasNextPage
    startCursor
    endCursor
  }
`);

export type PageInfo = ResultOf<typeof CursorPageInfoFragment>;

export interface CursorPaging {
  variables: PageVariables;
  reset: () => void;
  next: (info: PageInfo) => void;
  previous: (info: PageInfo) => void;
}

/** Cursor paging state: forwards with `first`/`after`, backwards with `last`/`before`. */
export function useCursorPaging(): CursorPaging {
  const [page, setPage] = useState<PageVariables>({ first: PAGE_SIZE });
  return {
    variables: page,
    reset: () => setPage({ first: PAGE_SIZE }),
    next: (info: PageInfo) => {
      if (info.endCursor !== null) setPage({ first: PAGE_SIZE, after: info.endCursor });
    },
    previous: (info: PageInfo) => {
      if (info.startCursor !== null) setPage({ last: PAGE_SIZE, before: info.startCursor });
    },
  };
}

export function Pager({
  pageInfo,
  totalCount,
  shown,
  noun,
  onNext,
  onPrevious,
}: {
  pageInfo: PageInfo;
  totalCount: number;
  shown: number;
  noun: string;
  onNext: () => void;
  onPrevious: () => void;
}) {
  return (
    <Group justify="space-between" mt="sm">
      <Text size="sm" c="dimmed">
        {shown} shown of {totalCount} {noun}
      </Text>
      <Group gap="xs">
        <Button
          variant="default"
          size="xs"
          disabled={!pageInfo.hasPreviousPage}
          onClick={onPrevious}
        >
          Previous
        </Button>
        <Button variant="default" size="xs" disabled={!pageInfo.hasNextPage} onClick={onNext}>
          Next
        </Button>
      </Group>
    </Group>
  );
}
