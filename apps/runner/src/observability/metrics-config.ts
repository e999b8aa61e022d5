import { z } from 'zod';

/** The runner's metrics listener settings (merged into the runner's config schema in config.ts). */
export const metricsEnv = {
  WEFT_RUNNER_METRICS_PORT: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return 9464;
      const port = Number(value);
      if (!Number.isInteger(port) || port < 0 || port > 65_535) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a port number 0..65535 (0 turns the metrics listener off), got "${value}"`,
        });
        return z.NEVER;
      }
      return port;
    }),
  WEFT_RUNNER_METRICS_HOST: z
    .string()
    .optional()
    .transform((value) => (value && value.trim() !== '' ? value.trim() : '0.0.0.0')),
};

export interface MetricsConfig {
  /** Port of `GET /metrics` and `GET /health`; 0: no listener. */
  readonly metricsPort: number;
  readonly metricsHost: string;
}

export function metricsConfig(e: { WEFT_RUNNER_METRICS_PORT: number; WEFT_RUNNER_METRICS_HOST: string }): MetricsConfig {
  return { metricsPort: e.WEFT_RUNNER_METRICS_PORT, metricsHost: e.WEFT_RUNNER_METRICS_HOST };
}
