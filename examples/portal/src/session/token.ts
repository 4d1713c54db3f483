/**
 * Where the portal keeps its bearer tokens: sessionStorage, so that they die with the tab.
 * During a login-as session the operator's own token waits under a second key until the
 * operator ends the session.
 */
const TOKEN_KEY = 'partnergraph.token';
const ORIGINAL_TOKEN_KEY = 'partnergraph.originalToken';

export function readToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function readOriginalToken(): string | null {
  return sessionStorage.getItem(ORIGINAL_TOKEN_KEY);
}

export function storeToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function storeOriginalToken(token: string): void {
  sessionStorage.setItem(ORIGINAL_TOKEN_KEY, token);
}

export function clearOriginalToken(): void {
  sessionStorage.removeItem(ORIGINAL_TOKEN_KEY);
}

export function clearTokens(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(ORIGINAL_TOKEN_KEY);
}

/**
 * Takes a token handed over in the URL fragment (`#token=…`: the gateway's persona links and
 * the Salesforce launch) into sessionStorage, and removes the fragment from the address bar
 * and the history so that the token is not left lying around.
 */
export function adoptTokenFromFragment(): void {
  const fragment = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  const token = fragment.get('token');
  if (token === null || token === '') return;
  clearTokens();
  storeToken(token);
  const { pathname, search } = window.location;
  window.history.replaceState(window.history.state, '', pathname + search);
}
