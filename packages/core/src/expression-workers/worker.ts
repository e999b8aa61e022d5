import { parentPort } from 'node:worker_threads';
import { ExpressionError } from '../expressions/expression-error.js';
import { evaluateExpressionInProcess, resolveConfigInProcess } from '../expressions/resolve.js';
import { type EvaluationReply, type EvaluationRequest, WORKER_READY } from './protocol.js';

/** A worker of the pool (pool.ts): evaluates one request at a time on its own thread. */
async function answer(request: EvaluationRequest): Promise<EvaluationReply> {
  try {
    const value =
      request.kind === 'resolveConfig'
        ? await resolveConfigInProcess(request.config, request.scope, request.options)
        : await evaluateExpressionInProcess(request.expression, request.scope, request.options);
    return { id: request.id, ok: true, value };
  } catch (error) {
    if (error instanceof ExpressionError) {
      const location = {
        ...(error.nodeId === undefined ? {} : { nodeId: error.nodeId }),
        ...(error.field === undefined ? {} : { field: error.field }),
        ...(error.position === undefined ? {} : { position: error.position }),
      };
      return {
        id: request.id,
        ok: false,
        expressionError: { location, reason: error.reason, jsonataCode: error.jsonataCode },
      };
    }
    return { id: request.id, ok: false, failure: error instanceof Error ? error.message : String(error) };
  }
}

const port = parentPort;
if (port === null) throw new Error('the expression worker runs as a worker thread of ExpressionWorkerPool');
port.on('message', (request: EvaluationRequest) => {
  void answer(request).then((reply) => {
    try {
      port.postMessage(reply);
    } catch (error) {
      port.postMessage({
        id: request.id,
        ok: false,
        failure: `the result cannot be sent back: ${String(error)}`,
      });
    }
  });
});
port.postMessage(WORKER_READY);
