// Who may fetch bundles: the bundle service asks the API server (TokenReview, with the bundle
// audience) who a bearer token belongs to, and lets only the node pods' ServiceAccount through. The
// token is a projected one bound to that audience, so a token minted for anything else (the API
// server's default audience, another service) is refused by the API server itself.
import { createHash } from 'node:crypto';
import type { K8sClient, KubeObject } from '../../kube/index.js';

/** The audience of the waypoints' projected bundle token (deploy/base/node.yaml). */
export const BUNDLE_TOKEN_AUDIENCE = 'semamesh-bundles';

/** The answer for one request: 200 goes on; 401 no valid token; 403 a valid token of someone else. */
export type BundleAuthResult =
  | { ok: true; username: string }
  | { ok: false; status: 401 | 403; reason: string };

/** Decides from the bearer token (undefined: none was sent) whether a request may fetch bundles. */
export type BundleAuthenticator = (token: string | undefined) => Promise<BundleAuthResult>;

export interface TokenReviewAuthOptions {
  /** Audience the token must be bound to (default semamesh-bundles). */
  audience?: string;
  /** Usernames allowed to fetch, e.g. `system:serviceaccount:semamesh-system:semamesh-node`. */
  allowed: string[];
  /** How long an answer is reused for the same token (default 30 s, never past its `exp`; refusals 5 s). */
  cacheMs?: number;
  /** Most tokens remembered (default 1000); the oldest answer is dropped first. */
  cacheSize?: number;
  now?: () => number;
}

/** The `exp` claim of a JWT in ms, read without verification (only after TokenReview accepted it). */
function expiryMs(token: string): number | undefined {
  try {
    const exp = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** `namespace/name` → the ServiceAccount's username. */
export function serviceAccountUser(ref: string): string {
  const [ns, name, extra] = ref.split('/');
  if (!ns || !name || extra !== undefined)
    throw new Error(`expected namespace/name, got ${JSON.stringify(ref)}`);
  return `system:serviceaccount:${ns}:${name}`;
}

interface ReviewStatus {
  authenticated?: boolean;
  user?: { username?: string };
  audiences?: string[];
  error?: string;
}

/**
 * A TokenReview-backed authenticator. Answers are cached per token digest (never the token) for a
 * short time: waypoints long-poll, and a poll must not cost an API round trip each time; a
 * refusal is cached too, so a flood of bad tokens costs one review per token per 5 s.
 */
export function tokenReviewAuthenticator(
  client: K8sClient,
  options: TokenReviewAuthOptions,
): BundleAuthenticator {
  const audience = options.audience ?? BUNDLE_TOKEN_AUDIENCE;
  const allowed = new Set(options.allowed);
  const now = options.now ?? Date.now;
  const okMs = options.cacheMs ?? 30_000;
  const size = options.cacheSize ?? 1000;
  const cache = new Map<string, { result: BundleAuthResult; until: number }>();

  const review = async (token: string): Promise<BundleAuthResult> => {
    const answer = await client.review<KubeObject>({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      metadata: { name: '' },
      spec: { token, audiences: [audience] },
    });
    const status = (answer.status ?? {}) as ReviewStatus;
    if (!status.authenticated || !status.user?.username)
      return { ok: false, status: 401, reason: `the token is not valid for audience ${audience}` };
    // The API server intersects the requested audiences with the token's: an empty answer means
    // the token was minted for another audience.
    if (!(status.audiences ?? []).includes(audience))
      return { ok: false, status: 401, reason: `the token is not bound to audience ${audience}` };
    if (!allowed.has(status.user.username))
      return { ok: false, status: 403, reason: `${status.user.username} may not fetch bundles` };
    return { ok: true, username: status.user.username };
  };

  return async (token) => {
    if (!token) return { ok: false, status: 401, reason: 'a bearer token is required' };
    const key = createHash('sha256').update(token).digest('hex');
    const hit = cache.get(key);
    if (hit && hit.until > now()) return hit.result;
    const result = await review(token);
    cache.delete(key);
    if (cache.size >= size) cache.delete(cache.keys().next().value as string);
    // A valid token is not trusted past its own expiry (the API server vouched for its claims).
    const until = result.ok
      ? Math.min(now() + okMs, expiryMs(token) ?? Number.POSITIVE_INFINITY)
      : now() + Math.min(okMs, 5000);
    cache.set(key, { result, until });
    return result;
  };
}
