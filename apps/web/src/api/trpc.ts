/**
 * The typed API: `useTRPC()` gives query/mutation/subscription options for every procedure of
 * `AppRouter` (types only from `@weft/api/types`). Same origin: tRPC at `/trpc`, subscriptions
 * over SSE with the token in `connectionParams` (an EventSource cannot send headers).
 */
import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, type TRPCClient } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import superjson from 'superjson';
import { isUnauthorized } from './errors';
import type { AppRouter } from './types';

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

export const TRPC_URL = '/trpc';

export function createApiClient(token: string): TRPCClient<AppRouter> {
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({ url: TRPC_URL, transformer: superjson, connectionParams: { token } }),
        false: httpBatchLink({
          url: TRPC_URL,
          transformer: superjson,
          // The api refuses a batch of more calls (MAX_BATCH_SIZE in its trpc.ts).
          maxItems: 20,
          headers: { authorization: `Bearer ${token}` },
        }),
      }),
    ],
  });
}

/** Queries retry transient failures only; any UNAUTHORIZED answer signs the person out. */
export function createQueryClient(onUnauthorized: (error: unknown) => void): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({ onError: (error) => isUnauthorized(error) && onUnauthorized(error) }),
    mutationCache: new MutationCache({ onError: (error) => isUnauthorized(error) && onUnauthorized(error) }),
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        refetchOnWindowFocus: false,
        retry: (count, error) => {
          const code = (error as { data?: { code?: string } }).data?.code;
          if (code && code !== 'SERVICE_UNAVAILABLE' && code !== 'INTERNAL_SERVER_ERROR') return false;
          return count < 2;
        },
      },
      mutations: { retry: false },
    },
  });
}
