import { codeNode } from './builtin/code.js';
import { condition } from './builtin/condition.js';
import { delay } from './builtin/delay.js';
import { forEach } from './builtin/for-each.js';
import { httpRequest } from './builtin/http-request.js';
import { logger } from './builtin/logger.js';
import { merge } from './builtin/merge.js';
import { scenarioCall } from './builtin/scenario-call.js';
import { switchNode } from './builtin/switch.js';
import { transform } from './builtin/transform.js';
import { manualTrigger, scheduleTrigger, webhookTrigger } from './builtin/triggers.js';
import { webhookRespond } from './builtin/webhook-respond.js';
import { waitApproval } from './builtin/wait-approval.js';
import { waitEvent } from './builtin/wait-event.js';
import { webhookSend } from './builtin/webhook-send.js';
import { NODE_TYPES, type NodeDefinition, type NodeType } from './types.js';

/** Every node type Weft knows, keyed by its discriminant: a missing definition is a compile error. */
export const nodeRegistry: { readonly [T in NodeType]: NodeDefinition } = {
  'trigger.webhook': webhookTrigger,
  'trigger.manual': manualTrigger,
  'trigger.schedule': scheduleTrigger,
  logger,
  'http.request': httpRequest,
  transform,
  condition,
  delay,
  merge,
  'webhook.send': webhookSend,
  'webhook.respond': webhookRespond,
  'scenario.call': scenarioCall,
  switch: switchNode,
  'loop.forEach': forEach,
  code: codeNode,
  'wait.approval': waitApproval,
  'wait.event': waitEvent,
};

export function isNodeType(type: string): type is NodeType {
  return (NODE_TYPES as readonly string[]).includes(type);
}

export function getNodeDefinition(type: string): NodeDefinition | undefined {
  return isNodeType(type) ? nodeRegistry[type] : undefined;
}

export function isTriggerType(type: string): boolean {
  return getNodeDefinition(type)?.category === 'trigger';
}
