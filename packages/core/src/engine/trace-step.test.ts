import { describe, expect, it } from 'vitest';
import type { HttpResponse } from '../nodes/types.js';
import { executeRun } from './execute-run.js';
import { edge, loopTestHost, node } from './loop-test-host.js';
import type { StepEnd, TracedStep } from './types.js';

const ok: HttpResponse = { status: 200, headers: { 'content-type': 'application/json' }, body: '{}' };
const badRequest: HttpResponse = { status: 400, headers: {}, body: 'no' };

/** A host whose `traceStep` writes down each step's scope: its entry, the calls inside it, its end. */
function tracingHost(respond: (url: string) => HttpResponse = () => ok) {
  const events: string[] = [];
  const label = (step: TracedStep) =>
    step.itemIndex === undefined ? step.nodeId : `${step.nodeId}[${step.itemIndex}]`;
  const host = loopTestHost(({ nodeId, index, request }) => {
    events.push(`http ${index === undefined ? nodeId : `${nodeId}[${index}]`}`);
    return respond(request.url);
  });
  host.traceStep = async <T extends StepEnd>(step: TracedStep, execute: () => Promise<T>) => {
    events.push(`enter ${label(step)} ${step.nodeType}`);
    const end = await execute();
    events.push(`exit ${label(step)} ${end.kind}${'error' in end ? ` ${end.error.code}` : ''}`);
    return end;
  };
  return { host, events };
}

describe('EngineHost.traceStep', () => {
  it('wraps each step once, with its effects inside, and reports how it ended', async () => {
    const { host, events } = tracingHost((url) => (url.endsWith('/bad') ? badRequest : ok));
    const graph = {
      nodes: [
        node('start', 'trigger.manual', {}),
        node('call', 'http.request', { method: 'GET', url: 'https://sink.example/good' }),
        node('fail', 'http.request', { method: 'GET', url: 'https://sink.example/bad' }),
      ],
      edges: [edge('start', 'call'), edge('call', 'fail')],
    };
    const outcome = await executeRun(host.run(graph), host);

    expect(outcome).toMatchObject({ status: 'failed', nodeId: 'fail' });
    expect(events).toEqual([
      'enter start trigger.manual',
      'exit start succeeded',
      'enter call http.request',
      'http call',
      'exit call succeeded',
      'enter fail http.request',
      'http fail',
      `exit fail failed ${host.steps.get('fail')!.error!.code}`,
    ]);
  });

  it('names the item of a for-each body step, inside the loop step', async () => {
    const { host, events } = tracingHost();
    const graph = {
      nodes: [
        node('start', 'trigger.manual', {}),
        node('loop', 'loop.forEach', { items: '{{ trigger.items }}' }),
        {
          ...node('call', 'http.request', { method: 'GET', url: 'https://sink.example/{{ index }}' }),
          parentId: 'loop',
        },
      ],
      edges: [edge('start', 'loop'), edge('loop', 'call', 'body')],
    };
    const outcome = await executeRun(host.run(graph, { items: [1, 2] }), host);

    expect(outcome).toEqual({ status: 'succeeded' });
    expect(events).toEqual([
      'enter start trigger.manual',
      'exit start succeeded',
      'enter loop loop.forEach',
      'enter call[0] http.request',
      'http call[0]',
      'exit call[0] succeeded',
      'enter call[1] http.request',
      'http call[1]',
      'exit call[1] succeeded',
      'exit loop succeeded',
    ]);
  });
});
