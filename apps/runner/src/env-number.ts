import { z } from 'zod';

/**
 * A number from an environment variable: unset or empty gives `fallback`; anything else must be a
 * number (a whole one unless `decimals`) within [min, max], or the start fails with a message
 * naming the variable, the rule and the value.
 */
export function numberEnv(
  name: string,
  fallback: number,
  rule: { readonly min: number; readonly max: number; readonly what: string; readonly decimals?: boolean },
) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return fallback;
      const parsed = Number(value);
      const valid = rule.decimals ? Number.isFinite(parsed) : Number.isInteger(parsed);
      if (!valid || parsed < rule.min || parsed > rule.max) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be ${rule.what} between ${rule.min} and ${rule.max}, got "${value}"`,
        });
        return z.NEVER;
      }
      return parsed;
    });
}
