import { Anchor, Button, Group, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useState, type SubmitEvent } from 'react';
import { Link } from 'react-router';
import { useMutation } from 'urql';
import { AuthFrame, AuthTitle } from '../components/AuthFrame';
import { ErrorNotice } from '../components/ErrorNotice';
import { graphql } from '../gql';
import { useFormFields } from '../hooks/useFormFields';

const SignUpDocument = graphql(`
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      user {
        email
        status
      }
    }
  }
`);

const MIN_PASSWORD = 12;

/** The account number as the gateway reads it: spaces around it and a lower-case `a` are fine. */
function normalizeAccountNumber(raw: string): string {
  return raw.trim().toUpperCase();
}

export function SignUpPage() {
  const [result, signUp] = useMutation(SignUpDocument);
  const { form, field } = useFormFields({
    email: '',
    accountNumber: '',
    password: '',
    firstName: '',
    lastName: '',
  });
  const [signedUp, setSignedUp] = useState<string | null>(null);
  const normalized = normalizeAccountNumber(form.accountNumber);

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const answer = await signUp({ input: { ...form, accountNumber: normalized } });
    if (answer.data !== undefined) setSignedUp(answer.data.signUp.user.email);
  };

  return (
    <AuthFrame width={480}>
      {signedUp !== null ? (
        <Stack>
          <AuthTitle>Check your mailbox</AuthTitle>
          <Text>
            We sent an activation link to {signedUp}. Follow it and enter the password you just
            chose; until then the account stays pending and sees nothing.
          </Text>
          <Anchor component={Link} to="/sign-in">
            Back to sign-in
          </Anchor>
        </Stack>
      ) : (
        <form onSubmit={submit}>
          <Stack>
            <AuthTitle>Sign up</AuthTitle>
            <Text c="dimmed" size="sm">
              For employees of a customer whose account has no portal users yet. Use one of the
              contact addresses your company gave its partner, and the account number printed on
              your invoices.
            </Text>
            {result.error !== undefined && (
              <ErrorNotice error={result.error} title="Sign-up refused" />
            )}
            <Group grow>
              <TextInput
                label="First name"
                required
                autoComplete="given-name"
                {...field('firstName')}
              />
              <TextInput
                label="Last name"
                required
                autoComplete="family-name"
                {...field('lastName')}
              />
            </Group>
            <TextInput
              label="Work email"
              type="email"
              required
              autoComplete="email"
              {...field('email')}
            />
            <TextInput
              label="Account number"
              placeholder="A00000042"
              required
              {...field('accountNumber')}
              description={
                form.accountNumber !== '' && normalized !== form.accountNumber
                  ? `Will be sent as ${normalized}`
                  : 'As printed on an invoice, e.g. A00000042'
              }
            />
            <PasswordInput
              label="Password"
              required
              autoComplete="new-password"
              minLength={MIN_PASSWORD}
              description={`At least ${MIN_PASSWORD} characters`}
              {...field('password')}
            />
            <Button type="submit" loading={result.fetching}>
              Sign up
            </Button>
            <Text size="sm">
              Already have an account?{' '}
              <Anchor component={Link} to="/sign-in">
                Sign in
              </Anchor>
            </Text>
          </Stack>
        </form>
      )}
    </AuthFrame>
  );
}
