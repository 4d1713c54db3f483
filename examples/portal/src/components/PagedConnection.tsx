import type { ReactNode } from 'react';
import type { CombinedError } from 'urql';
import { ErrorNotice, PartialDataNotice } from './ErrorNotice';
import { PageSkeleton } from './Loading';
import { Pager, type CursorPaging, type PageInfo } from './Paging';

/** The part of a GraphQL connection every paged list reads. */
interface Connection {
  totalCount: number;
  pageInfo: PageInfo;
  nodes: readonly unknown[];
}

/**
 * One page of a connection with the states every list page has in common: the error in words
 * when nothing came back, a note on what is missing when part of it failed, a skeleton while
 * the first page loads, then the list (`children`) and the pager under it. Shared so that each
 * list page loads, fails and pages the same way; it renders a fragment, so the parts stand in
 * the page's own stack.
 */
export function PagedConnection<C extends Connection>({
  connection,
  fetching,
  error,
  paging,
  noun,
  children,
}: {
  connection: C | undefined;
  fetching: boolean;
  error: CombinedError | undefined;
  paging: CursorPaging;
  /**
   * What the list holds, in the plural ("cases"): in the pager, the skeleton's label ("Loading
   * cases") and the error's title ("Cases could not be loaded").
   */
  noun: string;
  children: (connection: C) => ReactNode;
}) {
  return (
    <>
      {error !== undefined && connection === undefined && (
        <ErrorNotice
          error={error}
          title={`${noun.charAt(0).toUpperCase()}${noun.slice(1)} could not be loaded`}
        />
      )}
      <PartialDataNotice error={connection === undefined ? undefined : error} />
      {connection === undefined ? (
        fetching && <PageSkeleton label={`Loading ${noun}`} />
      ) : (
        <>
          {children(connection)}
          <Pager
            pageInfo={connection.pageInfo}
            totalCount={connection.totalCount}
            shown={connection.nodes.length}
            noun={noun}
            onNext={() => paging.next(connection.pageInfo)}
            onPrevious={() => paging.previous(connection.pageInfo)}
          />
        </>
      )}
    </>
  );
}
