// Runs graphql-http's GraphQL-over-HTTP conformance audit against a gateway and prints every
// result as one JSON array on stdout: [{ id, name, status, reason? }].
//
// Usage: node audit.mjs <graphql url> [bearer token]
// The gateway answers only authenticated queries, so every audit request carries the token.
import { auditServer } from 'graphql-http';

const [url, token] = process.argv.slice(2);
if (!url) {
  console.error('usage: node audit.mjs <graphql url> [bearer token]');
  process.exit(2);
}

const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};

const results = await auditServer({ url, fetchFn });
const report = await Promise.all(
  results.map(async (result) => {
    if (result.status === 'ok') {
      return { id: result.id, name: result.name, status: result.status };
    }
    const body = await result.response.text().catch(() => '');
    return {
      id: result.id,
      name: result.name,
      status: result.status,
      reason: result.reason,
      responseStatus: result.response.status,
      responseBody: body.slice(0, 500),
    };
  }),
);
console.log(JSON.stringify(report, null, 2));
