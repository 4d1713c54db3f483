import { describeGatewayError, type DescribedError } from './errors';

interface LoginAnswer {
  token?: unknown;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

export type LoginResult = { ok: true; token: string } | { ok: false; error: DescribedError };

/** `POST /auth/login`: a session token for an email and password of the embedded identity store. */
export async function login(email: string, password: string): Promise<LoginResult> {
  let response: Response;
  try {
    response = await fetch('/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
  } catch (cause) {
    return {
      ok: false,
      error: {
        code: null,
        meaning: 'The gateway could not be reached.',
        message: cause instanceof Error ? cause.message : String(cause),
        retryAfter: null,
        path: null,
      },
    };
  }
  const answer = (await response.json().catch(() => ({}))) as LoginAnswer;
  if (response.ok && typeof answer.token === 'string') return { ok: true, token: answer.token };
  const first = answer.errors?.[0];
  if (first !== undefined) {
    const retryAfter = Number(response.headers.get('Retry-After'));
    const extensions =
      Number.isFinite(retryAfter) && retryAfter > 0
        ? { retryAfter, ...first.extensions }
        : first.extensions;
    return { ok: false, error: describeGatewayError({ message: first.message, extensions }) };
  }
  return {
    ok: false,
    error: {
      code: null,
      meaning: 'Sign-in failed.',
      message: `HTTP ${response.status}`,
      retryAfter: null,
      path: null,
    },
  };
}
