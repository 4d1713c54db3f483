import { MantineProvider, createTheme } from '@mantine/core';
import { Suspense, lazy, useMemo, type ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { Provider } from 'urql';
import { createClient } from './api/client';
import { PageSkeleton } from './components/Loading';
import { NotAllowed } from './components/NotAllowed';
import { NAV_ITEMS, homePath } from './layout/navigation';
import { Shell } from './layout/Shell';
import { SessionProvider, useSession } from './session/SessionContext';
import { readOriginalToken } from './session/token';
import { useViewer } from './session/ViewerContext';

/** Each page is a chunk of its own, fetched when first opened. */
const AccountPage = lazy(() =>
  import('./pages/AccountPage').then((module) => ({ default: module.AccountPage })),
);
const CaseDetailPage = lazy(() =>
  import('./pages/CaseDetailPage').then((module) => ({ default: module.CaseDetailPage })),
);
const CasesPage = lazy(() =>
  import('./pages/CasesPage').then((module) => ({ default: module.CasesPage })),
);
const CustomerDetailPage = lazy(() =>
  import('./pages/CustomerDetailPage').then((module) => ({ default: module.CustomerDetailPage })),
);
const CustomersPage = lazy(() =>
  import('./pages/CustomersPage').then((module) => ({ default: module.CustomersPage })),
);
const OffersPage = lazy(() =>
  import('./pages/OffersPage').then((module) => ({ default: module.OffersPage })),
);
const OperatorsPage = lazy(() =>
  import('./pages/OperatorsPage').then((module) => ({ default: module.OperatorsPage })),
);
const PartnerDetailPage = lazy(() =>
  import('./pages/PartnerDetailPage').then((module) => ({ default: module.PartnerDetailPage })),
);
const PartnersPage = lazy(() =>
  import('./pages/PartnersPage').then((module) => ({ default: module.PartnersPage })),
);
const SignInPage = lazy(() =>
  import('./pages/SignInPage').then((module) => ({ default: module.SignInPage })),
);
const SignUpPage = lazy(() =>
  import('./pages/SignUpPage').then((module) => ({ default: module.SignUpPage })),
);
const SubscriptionsPage = lazy(() =>
  import('./pages/SubscriptionsPage').then((module) => ({ default: module.SubscriptionsPage })),
);

const theme = createTheme({
  primaryColor: 'blue',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  components: {
    // The close button of every dialog is an icon; this gives it a name screen readers say.
    Modal: { defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } },
  },
});

/** Renders a page only for callers its navigation entry admits. */
function Guarded({ path, children }: { path: string; children: ReactNode }) {
  const info = useViewer();
  const item = NAV_ITEMS.find((candidate) => candidate.path === path);
  if (item === undefined || !item.allowed(info)) return <NotAllowed />;
  return children;
}

function Home() {
  const home = homePath(useViewer());
  return home === null ? <NotAllowed /> : <Navigate to={home} replace />;
}

function SignedIn() {
  const { token, signOut, endImpersonation } = useSession();
  const location = useLocation();
  const client = useMemo(
    () =>
      createClient(token, () => {
        // A login-as session that ended returns to the operator's own; any other ends.
        if (readOriginalToken() !== null) endImpersonation();
        else signOut('Your session has ended; please sign in again.');
      }),
    [token, signOut, endImpersonation],
  );
  if (token === null) {
    return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />;
  }
  return (
    <Provider value={client}>
      <Shell key={token} />
    </Provider>
  );
}

function Anonymous({ children }: { children: ReactNode }) {
  const { token } = useSession();
  const client = useMemo(() => createClient(null, () => undefined), []);
  if (token !== null) return <Navigate to="/" replace />;
  return <Provider value={client}>{children}</Provider>;
}

export function App() {
  return (
    <MantineProvider theme={theme}>
      <SessionProvider>
        <BrowserRouter basename="/portal">
          <Suspense fallback={<PageSkeleton label="Loading page" />}>
            <Routes>
              <Route
                path="/sign-in"
                element={
                  <Anonymous>
                    <SignInPage />
                  </Anonymous>
                }
              />
              <Route
                path="/sign-up"
                element={
                  <Anonymous>
                    <SignUpPage />
                  </Anonymous>
                }
              />
              <Route element={<SignedIn />}>
                <Route index element={<Home />} />
                <Route
                  path="/customers"
                  element={
                    <Guarded path="/customers">
                      <CustomersPage />
                    </Guarded>
                  }
                />
                <Route path="/customers/:id" element={<CustomerDetailPage />} />
                <Route
                  path="/account"
                  element={
                    <Guarded path="/account">
                      <AccountPage />
                    </Guarded>
                  }
                />
                <Route
                  path="/subscriptions"
                  element={
                    <Guarded path="/subscriptions">
                      <SubscriptionsPage />
                    </Guarded>
                  }
                />
                <Route
                  path="/cases"
                  element={
                    <Guarded path="/cases">
                      <CasesPage />
                    </Guarded>
                  }
                />
                <Route
                  path="/cases/:id"
                  element={
                    <Guarded path="/cases">
                      <CaseDetailPage />
                    </Guarded>
                  }
                />
                <Route
                  path="/operators"
                  element={
                    <Guarded path="/operators">
                      <OperatorsPage />
                    </Guarded>
                  }
                />
                <Route
                  path="/partners"
                  element={
                    <Guarded path="/partners">
                      <PartnersPage />
                    </Guarded>
                  }
                />
                <Route
                  path="/partners/:id"
                  element={
                    <Guarded path="/partners">
                      <PartnerDetailPage />
                    </Guarded>
                  }
                />
                <Route
                  path="/offers"
                  element={
                    <Guarded path="/offers">
                      <OffersPage />
                    </Guarded>
                  }
                />
                <Route path="*" element={<NotAllowed notFound />} />
              </Route>
            </Routes>
          </Suspense>
        </BrowserRouter>
      </SessionProvider>
    </MantineProvider>
  );
}
