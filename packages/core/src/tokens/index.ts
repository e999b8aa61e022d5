export {
  API_TOKEN_SCOPES,
  type ApiTokenScope,
  apiTokenScopeSchema,
  isTokenExpired,
  LEGACY_TOKEN_SCOPE,
  mintRefusal,
  scopeAllows,
  scopeForCall,
  type ApiTokenGrant,
} from './scopes.js';
