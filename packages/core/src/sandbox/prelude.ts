/**
 * Evaluated in each fresh context before the node's code: installs `console` (lines go to the
 * host's `log(level, text)`) and returns `toJson`, which turns the result into JSON text or
 * throws a TypeError naming the first part that is not plain data. It keeps its own references
 * to the built-ins, so code that replaces globals cannot make it accept what JSON would mangle.
 */
export const PRELUDE = `(function (hostLog) {
  'use strict';
  const stringify = JSON.stringify;
  const isArray = Array.isArray;
  const getPrototypeOf = Object.getPrototypeOf;
  const keys = Object.keys;
  const objectPrototype = Object.prototype;
  const isFiniteNumber = Number.isFinite;
  const toText = String;
  const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
  const format = (value) => {
    if (typeof value === 'string') return value;
    try {
      const text = stringify(value);
      return text === undefined ? toText(value) : text;
    } catch {
      return toText(value);
    }
  };
  const logger = (level) => (...args) => {
    let text = '';
    for (let i = 0; i < args.length; i++) text += (i > 0 ? ' ' : '') + format(args[i]);
    hostLog(level, text);
  };
  globalThis.console = {
    log: logger('info'),
    info: logger('info'),
    debug: logger('debug'),
    warn: logger('warn'),
    error: logger('error'),
  };
  const kindOf = (value) => {
    const constructor = value.constructor;
    return typeof constructor === 'function' && typeof constructor.name === 'string' && constructor.name !== ''
      ? constructor.name
      : 'object with a prototype';
  };
  const check = (value, path, ancestors) => {
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
    if (typeof value === 'number') {
      if (!isFiniteNumber(value)) throw new TypeError(path + ' is ' + toText(value) + ', not a finite number');
      return;
    }
    if (typeof value !== 'object') throw new TypeError(path + ' is a ' + typeof value + ', not plain data');
    for (let i = 0; i < ancestors.length; i++)
      if (ancestors[i] === value) throw new TypeError(path + ' refers back to itself (a cycle)');
    ancestors.push(value);
    if (isArray(value)) {
      for (let i = 0; i < value.length; i++) if (value[i] !== undefined) check(value[i], path + '[' + i + ']', ancestors);
    } else {
      const prototype = getPrototypeOf(value);
      if (prototype !== objectPrototype && prototype !== null) {
        const kind = kindOf(value);
        throw new TypeError(
          path + ' is a ' + kind + ', not a plain object or array' + (kind === 'Date' ? ' (return date.toISOString())' : ''),
        );
      }
      const names = keys(value);
      for (let i = 0; i < names.length; i++) {
        const name = names[i];
        const item = value[name];
        if (item !== undefined)
          check(item, path + (identifier.test(name) ? '.' + name : '[' + stringify(name) + ']'), ancestors);
      }
    }
    ancestors.pop();
  };
  return (value) => {
    if (value === undefined) return 'null';
    check(value, 'the result', []);
    return stringify(value);
  };
})`;
