// Normalises bundle entry names to OPA's `/dir/file` form and refuses any name that could escape
// the bundle root when a consumer extracts it.
import { pathUnsafe } from '../errors.js';

/**
 * `policies/a.rego`, `./policies/a.rego` and `/policies/a.rego` all become `/policies/a.rego`.
 * Throws SM_ERR_BUNDLE_PATH_UNSAFE for `..`, `.`, empty segments, backslashes, NUL, control
 * characters and drive letters.
 */
export function bundlePath(name: string): string {
  let rest = name;
  while (rest.startsWith('./')) rest = rest.slice(2);
  if (rest.startsWith('/')) rest = rest.slice(1);
  if (rest === '' || /[\\\u0000-\u001f]/.test(rest) || /^[A-Za-z]:/.test(rest)) throw pathUnsafe(name);
  for (const segment of rest.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') throw pathUnsafe(name);
  }
  return `/${rest}`;
}
