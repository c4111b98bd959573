// Who may use the console: a bearer token on every request, checked by an Authenticator (the
// cluster's TokenReview + SubjectAccessReview in the controller, a per-run token in local mode).
import { createHash, timingSafeEqual } from 'node:crypto';

export interface Identity {
  username: string;
  groups: string[];
}

/** What a request wants to do, in SubjectAccessReview terms. */
export interface Access {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  /** Undefined: all namespaces. */
  namespace?: string;
}

export interface Authenticator {
  /** The identity behind a bearer token, or undefined when the token is not accepted. */
  authenticate(token: string): Promise<Identity | undefined>;
  /** Whether RBAC allows the identity this access. */
  authorize(identity: Identity, access: Access): Promise<boolean>;
}

/** Viewing the console: listing SemaIncidents across namespaces, the data it is built around. */
export const VIEW_ACCESS: Access = { verb: 'list', group: 'semamesh.io', resource: 'semaincidents' };

/** Approve and terminate write an incident's status, as `kubectl sema approve|terminate` does. */
export const decideAccess = (namespace: string): Access => ({
  verb: 'patch',
  group: 'semamesh.io',
  resource: 'semaincidents',
  subresource: 'status',
  namespace,
});

/** Waypoints report decisions; RBAC grants `create` on this virtual resource to their service account. */
export const REPORT_ACCESS: Access = { verb: 'create', group: 'semamesh.io', resource: 'decisions' };

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Local mode: one random token per `semamesh up` run, compared in constant time. */
export function localTokenAuthenticator(token: string, username = 'local-user'): Authenticator {
  const expected = digest(token);
  return {
    async authenticate(given) {
      return timingSafeEqual(digest(given), expected) ? { username, groups: [] } : undefined;
    },
    async authorize() {
      return true;
    },
  };
}

/**
 * Remembers answers for a short time so a page's polling and stream do not ask the API server on
 * every request; entries are keyed by the token's hash, never the token.
 */
export function cachingAuthenticator(inner: Authenticator, ttlMs = 10_000, now = Date.now): Authenticator {
  const identities = new Map<string, { at: number; identity: Identity | undefined }>();
  const decisions = new Map<string, { at: number; allowed: boolean }>();
  const fresh = (at: number) => now() - at < ttlMs;
  const bound = <V>(m: Map<string, V>) => {
    if (m.size > 1000) m.clear();
  };
  return {
    async authenticate(token) {
      const key = digest(token).toString('hex');
      const hit = identities.get(key);
      if (hit && fresh(hit.at)) return hit.identity;
      const identity = await inner.authenticate(token);
      bound(identities);
      identities.set(key, { at: now(), identity });
      return identity;
    },
    async authorize(identity, access) {
      const key = JSON.stringify([identity.username, identity.groups, access]);
      const hit = decisions.get(key);
      if (hit && fresh(hit.at)) return hit.allowed;
      const allowed = await inner.authorize(identity, access);
      bound(decisions);
      decisions.set(key, { at: now(), allowed });
      return allowed;
    },
  };
}
