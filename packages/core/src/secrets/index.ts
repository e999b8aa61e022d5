export {
  decryptSecret,
  type EncryptedSecret,
  encryptedSecretSchema,
  encryptSecret,
  needsRotation,
  rotateSecret,
  type SecretDecryptionCode,
  SecretDecryptionError,
  type SecretPlaintext,
} from './envelope.js';
export {
  createKeyring,
  generateSecretKey,
  KEY_BYTES,
  type Keyring,
  KeyringError,
  type KeyringInput,
  parseKeyringEnv,
} from './keyring.js';
export { maskSecret } from './mask.js';
export {
  type ResumeClaims,
  type ResumeTokenCheck,
  type ResumeTokenFailure,
  signResumeToken,
  verifyResumeToken,
} from './resume-token.js';
