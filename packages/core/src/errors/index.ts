export { ERROR_CODES, type ErrorCode, isErrorCode, RETRYABLE_BY_DEFAULT } from './codes.js';
export { classifyHttpStatus, getHeader, type HeaderSource } from './http.js';
export { type SerializedError, serializedErrorSchema, toJsonSafe, toSerializableError } from './serialize.js';
export { type ClassifyThrownOptions, classifyThrown, weftErrorFromSerialized } from './thrown.js';
export { isWeftError, WeftError, type WeftErrorOptions } from './weft-error.js';
