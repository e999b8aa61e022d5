import { RE2JS } from 're2js';

/**
 * JSONata's `RegexEngine`: regular expression literals (`/…/i`) run on RE2 (re2js, pure
 * JavaScript) instead of the backtracking RegExp, so matching takes time linear in the input:
 * `$contains("aaaa…!", /^(a+)+$/)` cannot stall a process. JSONata constructs it from the
 * RegExp its parser made and only uses `lastIndex` and `exec` (with global semantics).
 * RE2 has no lookaround and no backreferences; such a pattern fails with `UnsupportedRegexError`.
 */
export class LinearRegExp {
  lastIndex = 0;
  private readonly pattern: RE2JS;
  /** JSONata calls `exec` again and again over the same text (`$match`, `$replace`): one matcher serves them. */
  private current: { readonly text: string; readonly matcher: ReturnType<RE2JS['matcher']> } | undefined;

  constructor(regex: RegExp | string) {
    const source = typeof regex === 'string' ? regex : regex.source;
    const flags = typeof regex === 'string' ? '' : regex.flags;
    this.pattern = compileLinear(source, flags);
  }

  exec(input: string): RegExpExecArray | null {
    const text = String(input);
    if (this.lastIndex > text.length) {
      this.lastIndex = 0;
      return null;
    }
    if (this.current?.text !== text) this.current = { text, matcher: this.pattern.matcher(text) };
    const { matcher } = this.current;
    if (!matcher.find(this.lastIndex)) {
      this.lastIndex = 0;
      return null;
    }
    const groups: (string | undefined)[] = [];
    for (let group = 0; group <= matcher.groupCount(); group++)
      groups.push(matcher.group(group) ?? undefined);
    const match = Object.assign(groups, {
      index: matcher.start(),
      input: text,
    }) as unknown as RegExpExecArray;
    this.lastIndex = matcher.end();
    return match;
  }
}

/** A regular expression RE2 cannot run (lookaround, backreferences …); the message says what. */
export class UnsupportedRegexError extends Error {
  constructor(source: string, reason: string) {
    super(
      `The regular expression /${source}/ is not supported (${reason}); expressions use RE2 syntax, which has no lookahead, lookbehind or backreferences`,
    );
    this.name = 'UnsupportedRegexError';
  }
}

function compileLinear(source: string, flags: string): RE2JS {
  let options = 0;
  if (flags.includes('i')) options |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes('m')) options |= RE2JS.MULTILINE;
  try {
    return RE2JS.compile(RE2JS.translateRegExp(source), options);
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/^error parsing regexp: /, '') : String(err);
    throw new UnsupportedRegexError(source, reason);
  }
}
