import { useState } from 'react';
import type { CombinedError, OperationContext } from 'urql';

/**
 * What a page does once one of its actions (a mutation) went through: say so in a notice and
 * load the page's query again from the network, so that the list or the record shows the
 * change. The pages with actions (customer, subscriptions, operators, account) all do the
 * same; `after` fits a ConfirmDialog's `onConfirm`, which wants the error back.
 *
 * `reexecute` is the second value of the page's `useQuery`.
 */
export function useActionNotice(reexecute: (opts?: Partial<OperationContext>) => void) {
  const [notice, setNotice] = useState<string | null>(null);
  const refresh = () => reexecute({ requestPolicy: 'network-only' });
  const report = (message: string) => {
    setNotice(message);
    refresh();
  };
  const after =
    (message: string) =>
    ({ error }: { error?: CombinedError | undefined }): CombinedError | undefined => {
      if (error === undefined) report(message);
      return error;
    };
  return { notice, setNotice, refresh, report, after, dismiss: () => setNotice(null) };
}
