/**
 * Node-only: the worker threads that evaluate expressions where a deadline can stop them, for
 * the api and the runner. `useExpressionWorkers` installs the process's pool once.
 */
import { setExpressionEvaluator } from '../expressions/evaluator.js';
import { ExpressionWorkerPool, type ExpressionWorkerOptions } from './pool.js';

export {
  DEFAULT_EXPRESSION_WORKER_MEMORY_MB,
  ExpressionWorkerPool,
  type ExpressionWorkerOptions,
  inBackgroundLane,
} from './pool.js';

let shared: ExpressionWorkerPool | undefined;

/**
 * The process's pool, started (and installed as its `ExpressionEvaluator`) on the first call; later
 * calls return it as it is, whatever their options.
 */
export function useExpressionWorkers(options: ExpressionWorkerOptions = {}): ExpressionWorkerPool {
  if (shared === undefined) {
    shared = new ExpressionWorkerPool(options);
    setExpressionEvaluator(shared);
  }
  return shared;
}
