import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { GraphProblem, LogLevel, OAuth2View, RunStatus, RunTriggerKind, StepStatus } from '@weft/core';
import superjson from 'superjson';
import { describe, expectTypeOf, it } from 'vitest';
import type { AppRouter, RouterInputs, RouterOutputs, RunChangeEvent } from '../src/types.js';

/**
 * What the web app sees through `@weft/api/types`: checked by the compiler (`tsc` runs over the
 * tests), the `it` blocks only make vitest count them.
 */
describe('types the web app sees', () => {
  it('outputs are precise: unions, Dates, nullability, no secrets', () => {
    expectTypeOf<RouterOutputs['runs']['get']['status']>().toEqualTypeOf<RunStatus>();
    expectTypeOf<RouterOutputs['runs']['get']['steps'][number]['status']>().toEqualTypeOf<StepStatus>();
    expectTypeOf<RouterOutputs['runs']['get']['trigger']['kind']>().toEqualTypeOf<RunTriggerKind>();
    expectTypeOf<RouterOutputs['runs']['get']['trigger']['replayOf']>().toEqualTypeOf<string | null>();
    expectTypeOf<RouterOutputs['runs']['get']['createdAt']>().toEqualTypeOf<Date>();
    expectTypeOf<RouterOutputs['runs']['get']['finishedAt']>().toEqualTypeOf<Date | null>();
    expectTypeOf<RouterOutputs['runs']['list']['nextCursor']>().toEqualTypeOf<string | null>();
    expectTypeOf<RouterOutputs['runs']['list']['items'][number]['status']>().toEqualTypeOf<RunStatus>();
    expectTypeOf<RouterOutputs['runs']['logs']['items'][number]['level']>().toEqualTypeOf<LogLevel>();
    expectTypeOf<RouterOutputs['runs']['cancel']['outcome']>().toEqualTypeOf<'cancelled' | 'requested'>();
    expectTypeOf<RouterOutputs['scenarios']['validate']['problems']>().toEqualTypeOf<GraphProblem[]>();
    expectTypeOf<RouterOutputs['scenarios']['dryRun']['status']>().toEqualTypeOf<
      'succeeded' | 'failed' | 'dead' | 'cancelled'
    >();
    expectTypeOf<
      RouterOutputs['scenarios']['dryRun']['nodes'][number]['status']
    >().toEqualTypeOf<StepStatus>();
    expectTypeOf<RouterOutputs['scenarios']['delete']>().toEqualTypeOf<{ id: string; archived: true }>();
    expectTypeOf<RouterOutputs['apps']['delete']>().toEqualTypeOf<{ id: string; deleted: true }>();
    expectTypeOf<RouterOutputs['deliveries']['get']['verification']>().toEqualTypeOf<'verified'>();
    expectTypeOf<RouterOutputs['connections']['get']['hasSecret']>().toEqualTypeOf<boolean>();
    expectTypeOf<RouterOutputs['connections']['get']>().not.toHaveProperty('secrets');
    expectTypeOf<RouterOutputs['connections']['test']['checks'][number]['name']>().toEqualTypeOf<
      'status' | 'secrets' | 'webhookSecret' | 'healthUrl' | 'oauth2'
    >();
    expectTypeOf<RouterOutputs['connections']['get']['oauth2']>().toEqualTypeOf<OAuth2View | null>();
    expectTypeOf<RouterOutputs['tokens']['create']['token']>().toEqualTypeOf<string>();
    expectTypeOf<RouterOutputs['tokens']['list'][number]>().not.toHaveProperty('token');
    expectTypeOf<RouterOutputs['tokens']['list'][number]>().not.toHaveProperty('tokenHash');
    expectTypeOf<RunChangeEvent['status']>().toEqualTypeOf<RunStatus>();
  });

  it('inputs are the core schemas as a person writes them (defaults optional)', () => {
    expectTypeOf<RouterInputs['runs']['replay']>().toEqualTypeOf<{
      id: string;
      from?: 'start' | 'failure' | undefined;
      version?: 'original' | 'published' | undefined;
    }>();
    expectTypeOf<RouterInputs['runs']['list']['status']>().toEqualTypeOf<RunStatus | undefined>();
    expectTypeOf<RouterInputs['runs']['list']['from']>().toEqualTypeOf<Date | undefined>();
    expectTypeOf<RouterInputs['scenarios']['updateDraft']['revision']>().toEqualTypeOf<number>();
    expectTypeOf<RouterInputs['apps']['create']['signature']['scheme']>().toEqualTypeOf<
      'generic' | 'github' | 'stripe' | 'standard-webhooks' | 'slack' | 'shopify'
    >();
  });

  it('the client rejects unknown fields and wrong types at compile time', () => {
    const client = createTRPCClient<AppRouter>({
      links: [httpBatchLink({ url: 'http://localhost/trpc', transformer: superjson })],
    });
    // Never called: only the compiler reads these lines.
    const compileOnly = () => {
      // @ts-expect-error `extra` is not an input of runs.get
      void client.runs.get.query({ id: '0123456789abcdef01234567', extra: 1 });
      // @ts-expect-error `status` must be a run status
      void client.runs.list.query({ status: 'exploded' });
      // @ts-expect-error `from` is 'start' | 'failure'
      void client.runs.replay.mutate({ id: '0123456789abcdef01234567', from: 'middle' });
      // @ts-expect-error `revision` is required: no blind overwrite of a draft
      void client.scenarios.updateDraft.mutate({
        id: '0123456789abcdef01234567',
        draft: { nodes: [], edges: [] },
      });
      // @ts-expect-error secrets are strings
      void client.connections.setSecrets.mutate({ id: '0123456789abcdef01234567', secrets: { a: 1 } });
      // @ts-expect-error there is no such procedure
      void client.runs.delete.mutate({ id: '0123456789abcdef01234567' });
      void client.runs.get.query({ id: '0123456789abcdef01234567' });
    };
    expectTypeOf(compileOnly).toBeFunction();
    expectTypeOf<Extract<RouterInputs['runs']['onChange'], object>>().toEqualTypeOf<{
      runId?: string | undefined;
      scenarioId?: string | undefined;
    }>();
    // The subscription's events, as `onData` receives them.
    type OnData = NonNullable<Parameters<typeof client.runs.onChange.subscribe>[1]['onData']>;
    expectTypeOf<Parameters<OnData>[0]>().toEqualTypeOf<RunChangeEvent>();
  });
});
