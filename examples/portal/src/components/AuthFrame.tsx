import { Center, Paper, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * The card that the pages outside the portal (sign-in, sign-up) stand in, centred on an empty
 * screen; it is the page's `main` landmark.
 */
export function AuthFrame({ width, children }: { width: number; children: ReactNode }) {
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" w={width} component="main">
        {children}
      </Paper>
    </Center>
  );
}

/** The heading of an `AuthFrame`: the page's only `h1`, set at the size of a section title. */
export function AuthTitle({ children }: { children: ReactNode }) {
  return (
    <Title order={1} size="h2">
      {children}
    </Title>
  );
}
