import { Alert, Anchor, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useState, type SubmitEvent } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import type { DescribedError } from '../api/errors';
import { login } from '../api/login';
import { AuthFrame, AuthTitle } from '../components/AuthFrame';
import { DescribedErrorNotice } from '../components/ErrorNotice';
import { useFormFields } from '../hooks/useFormFields';
import { useSession } from '../session/SessionContext';

function returnPath(state: unknown): string {
  if (
    typeof state === 'object' &&
    state !== null &&
    'from' in state &&
    typeof state.from === 'string'
  ) {
    return state.from;
  }
  return '/';
}

export function SignInPage() {
  const { signIn, endedBecause } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const { form, field } = useFormFields({ email: '', password: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<DescribedError | null>(null);

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const result = await login(form.email, form.password);
    setBusy(false);
    if (result.ok) {
      signIn(result.token);
      void navigate(returnPath(location.state), { replace: true });
    } else {
      setError(result.error);
    }
  };

  return (
    <AuthFrame width={400}>
      <form onSubmit={submit}>
        <Stack>
          <AuthTitle>Partner Hub</AuthTitle>
          <Text c="dimmed">Sign in with your portal account.</Text>
          {endedBecause !== null && (
            <Alert color="yellow" role="status">
              {endedBecause}
            </Alert>
          )}
          {error !== null && <DescribedErrorNotice error={error} title="Sign-in failed" />}
          <TextInput
            label="Email"
            type="email"
            autoComplete="username"
            required
            {...field('email')}
          />
          <PasswordInput
            label="Password"
            autoComplete="current-password"
            required
            {...field('password')}
          />
          <Button type="submit" loading={busy}>
            Sign in
          </Button>
          <Text size="sm">
            Employee of a customer without an account?{' '}
            <Anchor component={Link} to="/sign-up">
              Sign up
            </Anchor>
          </Text>
        </Stack>
      </form>
    </AuthFrame>
  );
}
