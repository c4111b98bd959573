// Error codes of the SemaMesh API layer (CRD schemas, manifest validation) and the coded error class it throws.

/** Every code a diagnostic or an ApiError of this component can carry; docs/errors.md lists each one. */
export const API_ERROR_CODES = {
  /** The YAML text cannot be parsed (syntax, duplicate keys, too many aliases). */
  YAML_SYNTAX: 'SM_ERR_API_YAML_SYNTAX',
  /** A document is not a mapping, or has a kind without an apiVersion (or the reverse). */
  TYPE_META: 'SM_ERR_API_TYPE_META',
  /** apiVersion is in the semamesh.io group but names a kind this version does not define. */
  UNKNOWN_KIND: 'SM_ERR_API_UNKNOWN_KIND',
  /** apiVersion is in the semamesh.io group but the version is not one we serve. */
  UNKNOWN_VERSION: 'SM_ERR_API_UNKNOWN_VERSION',
  /** A value has the wrong type, is not an allowed enum value, is out of range, or a field is missing. */
  SCHEMA: 'SM_ERR_API_SCHEMA',
  /** A field that the kind's schema does not define (usually a typo). */
  UNKNOWN_FIELD: 'SM_ERR_API_UNKNOWN_FIELD',
  /** A cross-field rule does not hold (the same rule runs as CEL in the API server). */
  CONSTRAINT: 'SM_ERR_API_CONSTRAINT',
  /** A regular expression is not valid RE2 or needs backtracking (backreferences, lookarounds). */
  REGEX: 'SM_ERR_API_REGEX',
  /** The validator itself failed on a document (a SemaMesh bug); reported at the document, never as YAML syntax. */
  VALIDATOR: 'SM_ERR_API_VALIDATOR',
  /** A file or directory given to `semamesh validate` cannot be read. */
  FILE_READ: 'SM_ERR_API_FILE_READ',
} as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[keyof typeof API_ERROR_CODES];

/** Thrown only for programming errors at the API boundary (e.g. crdFor with a kind we do not define). */
export class ApiError extends Error {
  readonly code: ApiErrorCode;

  constructor(code: ApiErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApiError';
    this.code = code;
  }
}
