import type { FlowControl, ScenarioEdge, ScenarioNodeInput } from '@weft/core';
import type { Keyring } from '@weft/core/secrets';
import {
  createApp,
  createConnection,
  createScenario,
  type Database,
  publishScenario,
  setScenarioEnabled,
  setScenarioFlowControl,
} from '@weft/db';
import type { Types } from 'mongoose';

export const WEBHOOK_SECRET = 'bench-webhook-secret-0123456789abcdef';

export interface SeededApp {
  readonly key: string;
  readonly appId: Types.ObjectId;
  readonly scenarioId: Types.ObjectId;
}

/** An app with a generic HMAC signature, its connection holding the webhook secret, one published, enabled scenario. */
export async function seedApp(
  db: Database,
  keyring: Keyring,
  workspaceId: Types.ObjectId,
  key: string,
  graph: (appId: string) => { nodes: ScenarioNodeInput[]; edges: ScenarioEdge[] },
  flowControl?: FlowControl,
): Promise<SeededApp> {
  const app = await createApp(db.models, workspaceId, { key, name: key, signature: { scheme: 'generic' } });
  await createConnection(db.models, keyring, workspaceId, {
    appId: app._id.toHexString(),
    name: key,
    secrets: { webhookSecret: WEBHOOK_SECRET },
  });
  const scenario = await createScenario(db.models, workspaceId, { name: key, draft: graph(app._id.toHexString()) });
  if (flowControl)
    await setScenarioFlowControl(db.models, workspaceId, scenario._id.toHexString(), flowControl);
  const published = await publishScenario(db.models, workspaceId, scenario._id.toHexString());
  if (!published.ok) throw new Error(`bench: publish of ${key} failed: ${published.reason}`);
  await setScenarioEnabled(db.models, workspaceId, scenario._id.toHexString(), true);
  return { key, appId: app._id, scenarioId: scenario._id };
}

const position = { x: 0, y: 0 };

/** webhook → transform → condition → logger (the "4-node scenario"). */
export function fourNodes(appId: string): { nodes: ScenarioNodeInput[]; edges: ScenarioEdge[] } {
  return {
    nodes: [
      { id: 'hook', type: 'trigger.webhook', version: 1, config: { appId }, position },
      {
        id: 'shape',
        type: 'transform',
        version: 1,
        config: { expression: '{ "id": trigger.body.n, "total": trigger.body.total }' },
        position,
      },
      { id: 'check', type: 'condition', version: 1, config: { expression: 'input.total > 50' }, position },
      { id: 'log', type: 'logger', version: 1, config: { message: 'order {{ nodes.shape.id }} is large' }, position },
    ],
    edges: [
      { id: 'e1', source: 'hook', sourceHandle: 'out', target: 'shape', targetHandle: 'in' },
      { id: 'e2', source: 'shape', sourceHandle: 'out', target: 'check', targetHandle: 'in' },
      { id: 'e3', source: 'check', sourceHandle: 'true', target: 'log', targetHandle: 'in' },
    ],
  };
}

/** webhook, then 7 stages of 6 parallel transforms joined by a `merge`: 50 nodes, 6 run at once. */
export function fiftyNodes(appId: string): { nodes: ScenarioNodeInput[]; edges: ScenarioEdge[] } {
  const nodes: ScenarioNodeInput[] = [{ id: 'hook', type: 'trigger.webhook', version: 1, config: { appId }, position }];
  const edges: ScenarioEdge[] = [];
  let previous = 'hook';
  let index = 0;
  const edge = (source: string, target: string) =>
    edges.push({ id: `e${edges.length}`, source, sourceHandle: 'out', target, targetHandle: 'in' });
  // 7 stages of: 6 parallel transforms of the previous stage's output, then a merge of them.
  for (let stage = 0; stage < 7; stage++) {
    const branches: string[] = [];
    for (let b = 0; b < 6; b++) {
      const id = `t${index++}`;
      nodes.push({
        id,
        type: 'transform',
        version: 1,
        config: { expression: `{ "stage": ${stage}, "branch": ${b}, "n": trigger.body.n }` },
        position,
      });
      edge(previous, id);
      branches.push(id);
    }
    const join = `j${stage}`;
    nodes.push({ id: join, type: 'merge', version: 1, config: { mode: 'array' }, position });
    for (const branch of branches) edge(branch, join);
    previous = join;
  }
  if (nodes.length !== 50) throw new Error(`bench: the wide scenario has ${nodes.length} nodes, not 50`);
  return { nodes, edges };
}
