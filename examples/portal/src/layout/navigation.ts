import type { ViewerInfo } from '../session/ViewerContext';

export interface NavItem {
  path: string;
  label: string;
  /** Whether the caller's seat and profile can use the page. */
  allowed: (info: ViewerInfo) => boolean;
}

/** The pages of the portal, in menu order, each with who may use it. */
export const NAV_ITEMS: readonly NavItem[] = [
  {
    path: '/customers',
    label: 'Customer Accounts',
    allowed: ({ seat, can }) => seat !== 'customer' && can('VIEW_CUSTOMERS'),
  },
  {
    path: '/account',
    label: 'My Account',
    allowed: ({ seat, can }) => seat !== 'platform' && can('VIEW_BILLING'),
  },
  {
    path: '/subscriptions',
    label: 'My Subscriptions',
    allowed: ({ can }) => can('VIEW_BILLING'),
  },
  {
    path: '/cases',
    label: 'My Cases',
    allowed: ({ can }) => can('VIEW_CASES'),
  },
  {
    path: '/operators',
    label: 'Operators',
    allowed: ({ seat, can }) => seat !== 'customer' && can('VIEW_USERS'),
  },
  {
    path: '/partners',
    label: 'Partners',
    allowed: ({ seat, can }) =>
      seat === 'distributor'
        ? can('VIEW_CUSTOMERS')
        : seat === 'platform' && can('MANAGE_PARTNERS'),
  },
  {
    // What the channel sells: partners and distributors read it; MANAGE_OFFERS publishes.
    path: '/offers',
    label: 'Offers',
    allowed: ({ seat, can }) => seat !== 'customer' && can('VIEW_CUSTOMERS'),
  },
];

/** Where a caller lands: its first page, or null when its profile opens none. */
export function homePath(info: ViewerInfo): string | null {
  if (info.seat === 'customer' && info.can('VIEW_BILLING')) return '/account';
  return NAV_ITEMS.find((item) => item.allowed(info))?.path ?? null;
}
