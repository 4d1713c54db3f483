// A standards-based OpenID Connect provider for the gateway's tests: panva's oidc-provider
// (certified by the OpenID Foundation) with its development login screens, which accept any
// login name. Every account's login is its email, reported as verified.
//
//   node provider.mjs PORT
//
// Prints "ready" once it listens on http://127.0.0.1:PORT.
import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'portal',
    client_secret: 'portal-secret',
    redirect_uris: ['http://127.0.0.1:9/callback'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: id, email_verified: true };
      },
    };
  },
  features: { devInteractions: { enabled: true } },
  // Put the email claims into the ID token itself, as Auth0 and most providers do.
  conformIdTokenClaims: false,
  cookies: { keys: ['partnergraph-test-cookie-key'] },
});

provider.listen(port, '127.0.0.1', () => {
  console.log('ready');
});
