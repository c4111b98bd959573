// Public entry of the bundle service: the server, the waypoint's poller, and bundle signing.
export { type BundleFile, type BundleFileLimits, packBundleFiles, readBundleFiles } from './bundle-files.js';
export { canonicalJson, fileDigest, isStructuredDoc } from './file-hash.js';
export { BundlePoller, type BundlePollerOptions, type BundleUpdate, backoffDelay } from './poller.js';
export {
  BUNDLE_CONTENT_TYPE,
  BundleServer,
  type BundleServerOptions,
  etagMatches,
  type PublishedBundle,
  preferWait,
  REVISION_HEADER,
} from './server.js';
export {
  type FileClaim,
  type SignatureClaims,
  type SigningKey,
  type SignOptions,
  signBundle,
  signFiles,
  type VerificationKey,
  type VerifiedBundle,
  type VerifyOptions,
  verifyBundle,
  verifyBundleDetailed,
  verifyToken,
} from './signing.js';
export {
  BUNDLE_TOKEN_AUDIENCE,
  type BundleAuthenticator,
  type BundleAuthResult,
  serviceAccountUser,
  type TokenReviewAuthOptions,
  tokenReviewAuthenticator,
} from './token-review.js';
