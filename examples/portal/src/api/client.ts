import { Client, cacheExchange, fetchExchange, mapExchange } from 'urql';
import { errorCode } from './errors';

/**
 * A GraphQL client for one token. A new token gets a new client, so that no cached answer
 * of one identity is ever shown to another.
 */
export function createClient(token: string | null, onUnauthenticated: () => void): Client {
  return new Client({
    url: `${window.location.origin}/graphql`,
    preferGetMethod: false,
    requestPolicy: 'cache-and-network',
    fetchOptions: () => {
      const headers: Record<string, string> = {};
      if (token !== null) headers['Authorization'] = `Bearer ${token}`;
      return { headers };
    },
    exchanges: [
      mapExchange({
        onError(error) {
          if (token !== null && errorCode(error) === 'UNAUTHENTICATED') onUnauthenticated();
        },
      }),
      cacheExchange,
      fetchExchange,
    ],
  });
}
