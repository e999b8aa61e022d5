import { describe, expect, it } from 'vitest';
import { validateGraph } from '../../graph/validate-graph.js';
import { nodeConfigProblems } from '../config.js';
import { registryLookup } from '../lookup.js';
import { recordingContext } from '../test-context.js';
import { switchNode } from './switch.js';

const ctx = () => recordingContext({ trigger: { body: { total: 1500, country: 'DE' } } });
const cases = [
  { id: 'large', label: 'Large', expression: 'trigger.body.total > 1000' },
  { id: 'eu', label: 'EU', expression: 'trigger.body.country in ["DE", "FR"]' },
  { id: 'us', label: 'US', expression: 'trigger.body.country = "US"' },
];

describe('switch', () => {
  it('mode first (the default) fires only the first matching case and says which matched', async () => {
    const config = switchNode.configSchema.parse({ cases });
    expect(config.mode).toBe('first');
    expect(await switchNode.execute(ctx(), { in: { a: 1 } }, config)).toEqual({
      kind: 'success',
      data: { matched: ['large'], default: false, input: { a: 1 } },
      handles: ['large'],
    });
  });

  it('mode all fires every matching case, in case order', async () => {
    const config = switchNode.configSchema.parse({ cases, mode: 'all' });
    expect(await switchNode.execute(ctx(), {}, config)).toMatchObject({
      data: { matched: ['large', 'eu'], default: false },
      handles: ['large', 'eu'],
    });
  });

  it('fires default when no case matches', async () => {
    const config = switchNode.configSchema.parse({ cases: [cases[2]] });
    expect(await switchNode.execute(ctx(), { in: 1 }, config)).toEqual({
      kind: 'success',
      data: { matched: [], default: true, input: 1 },
      handles: ['default'],
    });
  });

  it('a case expression that fails is a fatal expression_error naming the case field', async () => {
    const config = switchNode.configSchema.parse({
      cases: [cases[2], { id: 'bad', label: 'Bad', expression: '$nope(1)' }],
    });
    const result = await switchNode.execute(ctx(), {}, config);
    expect(result).toMatchObject({ kind: 'fatal_error', error: { code: 'expression_error' } });
    if (result.kind === 'fatal_error') expect(result.error.message).toMatch(/field "cases\[1\]\.expression"/);
  });

  it('reports duplicate and reserved case ids, and case expressions that do not compile, by field', () => {
    const problems = nodeConfigProblems(switchNode, {
      cases: [
        { id: 'a', label: 'A', expression: 'x > 1' },
        { id: 'a', label: 'A again', expression: 'x >' },
        { id: 'default', label: 'D', expression: 'true' },
      ],
    });
    expect(problems.map((p) => p.path)).toEqual([
      ['cases', 2, 'id'],
      ['cases', 1, 'id'],
      ['cases', 1, 'expression'],
    ]);
    expect(problems[1]?.message).toBe('case id "a" is already used by case 1; case ids must be unique');
  });

  it('a case expression is raw JSONata: braces in it are not a template', () => {
    expect(
      nodeConfigProblems(switchNode, {
        cases: [{ id: 'x', label: 'Mapped', expression: '$map([1], function($v){{"a": $v}})' }],
      }),
    ).toEqual([]);
  });

  it('a duplicate case id is a graph problem naming the node and the id', () => {
    const problems = validateGraph(
      {
        nodes: [
          { id: 'start', type: 'trigger.manual', version: 1, config: {}, position: { x: 0, y: 0 } },
          {
            id: 'route',
            type: 'switch',
            version: 1,
            config: { cases: [cases[0], { ...cases[1], id: 'large' }] },
            position: { x: 0, y: 0 },
          },
        ],
        edges: [{ id: 'e1', source: 'start', sourceHandle: 'out', target: 'route', targetHandle: 'in' }],
      },
      registryLookup,
    );
    expect(problems.map((p) => p.message)).toEqual([
      'Node "route" (switch) field "cases[1].id": case id "large" is already used by case 1; case ids must be unique',
    ]);
  });
});
