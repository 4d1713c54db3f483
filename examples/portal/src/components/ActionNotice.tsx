import { Alert } from '@mantine/core';

/** The green, dismissable note saying that an action went through (see `useActionNotice`). */
export function ActionNotice({ notice, onClose }: { notice: string | null; onClose: () => void }) {
  if (notice === null) return null;
  return (
    <Alert color="green" withCloseButton closeButtonLabel="Dismiss" onClose={onClose} role="status">
      {notice}
    </Alert>
  );
}
