import {
  nodeCatalog,
  replayProtectionNote,
  signatureConfigSchema,
  signatureSchemeInfo,
  signatureSchemes,
} from '@weft/core';
import { z } from 'zod';
import { createTRPCRouter, protectedProcedure } from '../trpc.js';

let signatureJsonSchema: Record<string, unknown> | undefined;

export const registryRouter = createTRPCRouter({
  /**
   * The node palette: per type its title, category, description, input/output handles, the JSON
   * Schema of its config (the editor renders forms from it), an example config, default retry.
   */
  nodes: protectedProcedure.query(() => [...nodeCatalog()]),

  /** The webhook signature schemes an app can use, and the JSON Schema of an app's `signature`. */
  signatureSchemes: protectedProcedure.query(() => {
    signatureJsonSchema ??= z.toJSONSchema(signatureConfigSchema, {
      io: 'input',
      unrepresentable: 'any',
    }) as Record<string, unknown>;
    return {
      schemes: signatureSchemes.map((scheme) => ({
        scheme,
        ...signatureSchemeInfo[scheme],
        replayProtection: replayProtectionNote(scheme),
      })),
      configJsonSchema: signatureJsonSchema,
    };
  }),
});
