/**
 * Imported first (main.tsx): zod would probe `new Function` to compile its parsers, which the
 * api's Content-Security-Policy forbids (no `unsafe-eval`) and reports as a violation. Its
 * interpreted parsers are what runs under that policy anyway.
 */
import { config } from 'zod';

config({ jitless: true });
