import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import type { CombinedError } from 'urql';
import { ErrorNotice } from './ErrorNotice';

/**
 * Asks before an action, runs it, and shows why it failed if it did. `onConfirm` resolves to
 * the error of the mutation, or undefined when it went through (the dialog then closes).
 */
export function ConfirmDialog({
  opened,
  title,
  children,
  confirmLabel,
  danger = false,
  onConfirm,
  onClose,
}: {
  opened: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => Promise<CombinedError | undefined>;
  onClose: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<CombinedError | undefined>(undefined);
  const close = () => {
    setError(undefined);
    onClose();
  };
  const confirm = async () => {
    setBusy(true);
    const failed = await onConfirm();
    setBusy(false);
    if (failed === undefined) close();
    else setError(failed);
  };
  return (
    <Modal opened={opened} onClose={close} title={title}>
      <Stack>
        {error !== undefined && <ErrorNotice error={error} />}
        <Text component="div">{children}</Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button color={danger ? 'red' : 'blue'} loading={busy} onClick={confirm}>
            {confirmLabel}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
