import type { CombinedError } from 'urql';

/** The `extensions.code` values the gateway answers with (README, "Errors"). */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'UPSTREAM_REJECTED'
  | 'UPSTREAM_UNAVAILABLE'
  | 'GRAPHQL_PARSE_FAILED'
  | 'GRAPHQL_VALIDATION_FAILED'
  | 'BAD_REQUEST'
  | 'RATE_LIMITED'
  | 'INTERNAL';

const MEANINGS: Record<ErrorCode, string> = {
  UNAUTHENTICATED: 'You are not signed in, or your session has ended.',
  NOT_FOUND: 'It does not exist, or it is not yours to see.',
  FORBIDDEN: 'Your profile does not allow this.',
  BAD_USER_INPUT: 'Some of what was entered is not valid.',
  CONFLICT: 'It was changed or already exists; reload and try again.',
  UPSTREAM_REJECTED: 'The billing or CRM system refused the change.',
  UPSTREAM_UNAVAILABLE: 'A billing or CRM system is not reachable right now; try again shortly.',
  GRAPHQL_PARSE_FAILED: 'The portal sent a request the gateway could not read.',
  GRAPHQL_VALIDATION_FAILED: 'The portal sent a request the gateway does not accept.',
  BAD_REQUEST: 'The request was malformed or too large.',
  RATE_LIMITED: 'Too many requests; wait a moment and try again.',
  INTERNAL: 'Something went wrong on our side.',
};

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && code in MEANINGS;
}

/** An error as the portal shows it: what the code means, and the gateway's own words. */
export interface DescribedError {
  code: ErrorCode | null;
  meaning: string;
  message: string;
  retryAfter: number | null;
  path: string | null;
}

interface GatewayError {
  message: string;
  path?: ReadonlyArray<string | number> | undefined;
  extensions?: Record<string, unknown> | undefined;
}

export function describeGatewayError(error: GatewayError): DescribedError {
  const code = error.extensions?.['code'];
  const retryAfter = error.extensions?.['retryAfter'];
  const known = isErrorCode(code) ? code : null;
  let meaning = known === null ? 'The request failed.' : MEANINGS[known];
  if (known === 'RATE_LIMITED' && typeof retryAfter === 'number') {
    meaning = `Too many requests; try again in ${retryAfter} seconds.`;
  }
  return {
    code: known,
    meaning,
    message: error.message,
    retryAfter: typeof retryAfter === 'number' ? retryAfter : null,
    path: error.path === undefined ? null : error.path.join('.'),
  };
}

export function describeError(error: CombinedError): DescribedError[] {
  if (error.graphQLErrors.length > 0) return error.graphQLErrors.map(describeGatewayError);
  return [
    {
      code: null,
      meaning: 'The gateway could not be reached.',
      message: error.networkError?.message ?? error.message,
      retryAfter: null,
      path: null,
    },
  ];
}

/** The first error code of a result, if any. */
export function errorCode(error: CombinedError): ErrorCode | null {
  for (const e of error.graphQLErrors) {
    const code = e.extensions['code'];
    if (isErrorCode(code)) return code;
  }
  return null;
}
