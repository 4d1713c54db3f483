import { createContext, useContext, type ReactNode } from 'react';
import type { ViewerQuery } from '../gql/graphql';

export type Viewer = ViewerQuery['viewer'];

/** Permission codes of the schema's profiles (`Profile.permissions`). */
export type Permission =
  | 'VIEW_CUSTOMERS'
  | 'MANAGE_CUSTOMERS'
  | 'DELETE_CUSTOMERS'
  | 'VIEW_BILLING'
  | 'PAY_INVOICES'
  | 'MANAGE_SUBSCRIPTIONS'
  | 'VIEW_CASES'
  | 'MANAGE_CASES'
  | 'VIEW_USERS'
  | 'MANAGE_USERS'
  | 'MANAGE_PROFILES'
  | 'IMPERSONATE'
  | 'VIEW_AUDIT_LOG'
  | 'MANAGE_PARTNERS'
  | 'MANAGE_OFFERS';

/** Where the caller sits in the channel. */
export type Seat = 'platform' | 'distributor' | 'partner' | 'customer';

export interface ViewerInfo {
  viewer: Viewer;
  seat: Seat;
  can: (permission: Permission) => boolean;
}

export function viewerInfo(viewer: Viewer): ViewerInfo {
  const granted = new Set(viewer.permissions);
  let seat: Seat = 'platform';
  if (viewer.customer !== null) seat = 'customer';
  else if (viewer.organization?.kind === 'DISTRIBUTOR') seat = 'distributor';
  else if (viewer.organization?.kind === 'PARTNER') seat = 'partner';
  return { viewer, seat, can: (permission) => granted.has(permission) };
}

const ViewerContext = createContext<ViewerInfo | null>(null);

export function ViewerProvider({ value, children }: { value: ViewerInfo; children: ReactNode }) {
  return <ViewerContext.Provider value={value}>{children}</ViewerContext.Provider>;
}

/** The signed-in caller; only below the shell, which loads it. */
export function useViewer(): ViewerInfo {
  const info = useContext(ViewerContext);
  if (info === null) throw new Error('useViewer outside ViewerProvider');
  return info;
}
