/**
 * The SSRF guard's address rules and allow-list, shared by the api (its health probes) and the
 * runner (every outgoing request). Node-only (node:net): public entry `@weft/core/net`.
 */
export {
  type AddressVerdict,
  type AllowList,
  allowListPermitsAddress,
  allowListPermitsHost,
  classifyAddress,
  EMPTY_ALLOW_LIST,
  parseAllowList,
} from './ip-guard.js';
export { guardedLookup, literalHostRefusal, type Refusal } from './guarded-lookup.js';
