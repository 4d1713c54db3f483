import { Text } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * One labelled value of a record's summary card: the label small and dimmed above the value,
 * which wraps anywhere (long emails and ids). The customer and partner pages lay their
 * summaries out this way.
 */
export function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text component="div" style={{ overflowWrap: 'anywhere' }}>
        {children}
      </Text>
    </div>
  );
}
