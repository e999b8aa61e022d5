import { createTRPCClient, httpBatchLink, type TRPCClient } from '@trpc/client';
import type { AppRouter } from '@weft/api/types';
import superjson from 'superjson';
import type { CliConfig } from './config.js';

export type WeftClient = TRPCClient<AppRouter>;

/** The api's typed procedures at `<url>/trpc`, with the token as bearer. */
export function createClient(config: CliConfig): WeftClient {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${config.url}/trpc`,
        transformer: superjson,
        // The api refuses a batch of more calls (MAX_BATCH_SIZE in its trpc.ts).
        maxItems: 20,
        headers: { authorization: `Bearer ${config.token}` },
      }),
    ],
  });
}
