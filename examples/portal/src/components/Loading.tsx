import { Skeleton, Stack } from '@mantine/core';

/** What a page shows while its first answer is on its way. */
export function PageSkeleton({ label = 'Loading' }: { label?: string }) {
  return (
    <Stack gap="sm" aria-busy="true" aria-label={label}>
      <Skeleton height={28} width="40%" />
      <Skeleton height={18} />
      <Skeleton height={18} />
      <Skeleton height={18} width="80%" />
      <Skeleton height={18} width="60%" />
    </Stack>
  );
}
