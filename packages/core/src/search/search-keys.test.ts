import { describe, expect, it } from 'vitest';
import { createAppInput, listRunsInput } from '../schemas/inputs.js';
import { webhookTrigger } from '../nodes/builtin/triggers.js';
import {
  extractSearchKeys,
  MAX_SEARCH_VALUE_LENGTH,
  mergeSearchKeyValues,
  scenarioSearchKeysOf,
  unionSearchKeyValues,
  searchFilterSchema,
  searchKeysSchema,
  searchValueOf,
} from './search-keys.js';

function messages(input: unknown): string[] {
  const result = searchKeysSchema.safeParse(input);
  return result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('search key declarations', () => {
  it('accepts up to ten named expressions', () => {
    const keys = Array.from({ length: 10 }, (_, i) => ({ name: `key_${i}`, expression: `body.k${i}` }));
    expect(searchKeysSchema.parse(keys)).toHaveLength(10);
  });

  it('refuses an eleventh key', () => {
    const keys = Array.from({ length: 11 }, (_, i) => ({ name: `key_${i}`, expression: 'body.id' }));
    expect(messages(keys)).toEqual([': an app declares at most 10 search keys']);
  });

  it('refuses a name that is not an identifier, naming the rule', () => {
    expect(messages([{ name: 'customer-id', expression: 'body.id' }])).toEqual([
      '0.name: search key name must start with a letter or _ and contain only letters, digits and _',
    ]);
  });

  it('refuses a name declared twice, naming it', () => {
    expect(
      messages([
        { name: 'customer', expression: 'body.a' },
        { name: 'customer', expression: 'body.b' },
      ]),
    ).toEqual(['1.name: search key "customer" is declared twice; names must be unique']);
  });

  it('refuses an expression that does not compile, naming the key', () => {
    const [message] = messages([{ name: 'order', expression: 'body.items[' }]);
    expect(message).toMatch(/^0\.expression: search key "order": .+ \(at character \d+\)$/);
  });

  it('refuses an empty expression and unknown fields', () => {
    expect(messages([{ name: 'a', expression: '  ' }])).toEqual(['0.expression: expression is empty']);
    expect(messages([{ name: 'a', expression: 'body.a', path: 'x' }])[0]).toMatch(/path/);
  });

  it('is part of the app input, empty by default', () => {
    const app = createAppInput.parse({ key: 'shop', name: 'Shop', signature: { scheme: 'generic' } });
    expect(app.searchKeys).toEqual([]);
  });

  it('filters runs by one key and value', () => {
    expect(listRunsInput.parse({ search: { name: 'customer', value: 'cus_1' } }).search).toEqual({
      name: 'customer',
      value: 'cus_1',
    });
    expect(searchFilterSchema.safeParse({ name: 'customer', value: '' }).success).toBe(false);
  });
});

describe('stored values', () => {
  it('keeps strings, numbers and booleans as text', () => {
    expect(searchValueOf('cus_1')).toBe('cus_1');
    expect(searchValueOf(42)).toBe('42');
    expect(searchValueOf(false)).toBe('false');
    expect(searchValueOf(['only'])).toBe('only');
  });

  it('stores nothing for no value, objects, several values or empty text', () => {
    for (const value of [undefined, null, { a: 1 }, ['a', 'b'], '', Number.NaN])
      expect(searchValueOf(value)).toBeNull();
  });

  it('cuts long values', () => {
    expect(searchValueOf('x'.repeat(500))).toHaveLength(MAX_SEARCH_VALUE_LENGTH);
  });
});

describe('extraction', () => {
  const subject = {
    body: { data: { object: { customer: 'cus_9', amount: 1200 } }, type: 'charge.succeeded' },
    headers: { 'x-shop': 'north' },
  };

  it('evaluates each key over body and headers', async () => {
    const { values, failures } = await extractSearchKeys(
      [
        { name: 'customer', expression: 'body.data.object.customer' },
        { name: 'amount', expression: 'body.data.object.amount' },
        { name: 'shop', expression: 'headers."x-shop"' },
        { name: 'missing', expression: 'body.nothing' },
      ],
      subject,
    );
    expect(values).toEqual([
      { name: 'customer', value: 'cus_9' },
      { name: 'amount', value: '1200' },
      { name: 'shop', value: 'north' },
    ]);
    expect(failures).toEqual([]);
  });

  it('a failing key stores nothing and the others still count', async () => {
    const { values, failures } = await extractSearchKeys(
      [
        { name: 'broken', expression: '$number("not a number") + $unknownFn()' },
        { name: 'type', expression: 'body.type' },
      ],
      subject,
    );
    expect(values).toEqual([{ name: 'type', value: 'charge.succeeded' }]);
    expect(failures.map((f) => f.name)).toEqual(['broken']);
  });

  it('keys after a spent budget store nothing', async () => {
    let t = 0;
    const clock = () => {
      t += 60;
      return t;
    };
    const { values, failures } = await extractSearchKeys(
      [
        { name: 'a', expression: 'body.type' },
        { name: 'b', expression: 'body.type' },
      ],
      subject,
      100,
      clock,
    );
    expect(values).toEqual([{ name: 'a', value: 'charge.succeeded' }]);
    expect(failures).toEqual([
      { name: 'b', message: 'not evaluated: the 100 ms budget of the search keys was spent' },
    ]);
  });
});

describe('a scenario’s own search keys', () => {
  const appId = 'aaaaaaaaaaaaaaaaaaaaaaaa';

  it('are declared on its webhook trigger and checked like an app’s', () => {
    const ok = webhookTrigger.configSchema.safeParse({
      appId,
      searchKeys: [{ name: 'order', expression: 'body.order.id' }],
    });
    expect(ok.success).toBe(true);
    const bad = webhookTrigger.configSchema.safeParse({
      appId,
      searchKeys: [{ name: 'order', expression: 'body.(' }],
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/^search key "order": /);
  });

  it('are read from the trigger node of a graph; none without a valid declaration', () => {
    const trigger = (searchKeys: unknown) => [
      { type: 'trigger.webhook', config: { appId, searchKeys } },
      { type: 'logger', config: { searchKeys: [{ name: 'not_mine', expression: 'x' }] } },
    ];
    expect(scenarioSearchKeysOf(trigger([{ name: 'order', expression: 'body.order.id' }]))).toEqual([
      { name: 'order', expression: 'body.order.id' },
    ]);
    expect(scenarioSearchKeysOf(trigger(undefined))).toEqual([]);
    expect(scenarioSearchKeysOf(trigger([{ name: '1bad', expression: 'x' }]))).toEqual([]);
    expect(scenarioSearchKeysOf([{ type: 'trigger.manual', config: {} }])).toEqual([]);
  });

  it('go on top of the app’s for the scenario’s runs; the delivery is found by all of them', () => {
    const app = [
      { name: 'customer', value: 'cus_1' },
      { name: 'order', value: 'from-app' },
    ];
    const mine = mergeSearchKeyValues(app, [{ name: 'order', value: 'o_7' }]);
    expect(mine).toEqual([
      { name: 'customer', value: 'cus_1' },
      { name: 'order', value: 'o_7' },
    ]);
    expect(unionSearchKeyValues([app, mine, app])).toEqual([
      { name: 'customer', value: 'cus_1' },
      { name: 'order', value: 'from-app' },
      { name: 'order', value: 'o_7' },
    ]);
  });
});
