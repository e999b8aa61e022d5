/**
 * Who is signed in. Without a token: the sign-in screen. With one: the API client for it, and
 * the app. Any UNAUTHORIZED answer clears the token and says why on the sign-in screen.
 */
import { QueryClientProvider } from '@tanstack/react-query';
import { useCallback, useMemo, useState } from 'react';
import { describeError } from '../api/errors';
import { createApiClient, createQueryClient, TRPCProvider } from '../api/trpc';
import { ToastProvider } from '../components/ui';
import { Shell } from './Shell';
import { SignIn } from './SignIn';
import { clearToken, readToken, writeToken } from './token-store';

export function Root() {
  const [token, setToken] = useState<string | null>(() => readToken());
  const [reason, setReason] = useState<string | null>(null);

  const signOut = useCallback((why: string | null) => {
    clearToken();
    setToken(null);
    setReason(why);
  }, []);

  const signIn = useCallback((value: string) => {
    writeToken(value);
    setReason(null);
    setToken(value);
  }, []);

  return (
    <ToastProvider>
      {token ? (
        <SignedIn
          key={token}
          token={token}
          onUnauthorized={(error) =>
            signOut(`Your token was refused: ${describeError(error).message}. Paste a valid token to continue.`)
          }
          onSignOut={() => signOut(null)}
        />
      ) : (
        <SignIn onSignedIn={signIn} reason={reason} />
      )}
    </ToastProvider>
  );
}

function SignedIn({
  token,
  onUnauthorized,
  onSignOut,
}: {
  token: string;
  onUnauthorized: (error: unknown) => void;
  onSignOut: () => void;
}) {
  // One client pair per token (the component is keyed by it).
  const [queryClient] = useState(() => createQueryClient(onUnauthorized));
  const trpcClient = useMemo(() => createApiClient(token), [token]);
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <Shell onSignOut={onSignOut} />
      </TRPCProvider>
    </QueryClientProvider>
  );
}
