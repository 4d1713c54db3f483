import { Button, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';

/** A page the caller cannot use, or a path that leads nowhere. */
export function NotAllowed({ notFound = false }: { notFound?: boolean }) {
  return (
    <Stack align="flex-start">
      <Title order={2}>{notFound ? 'Page not found' : 'Not available'}</Title>
      <Text>
        {notFound
          ? 'There is no such page in the Partner Hub.'
          : 'Your profile does not give you access to this page.'}
      </Text>
      <Button component={Link} to="/" variant="default">
        Go to your start page
      </Button>
    </Stack>
  );
}
