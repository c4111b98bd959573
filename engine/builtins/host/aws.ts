// providers.aws.sign_req: AWS Signature Version 4 for a request object, as OPA's implementation
// builds it (request headers override the AWS ones in the signed set, the returned headers carry the
// computed AWS values and the Authorization header).
import { createHash, createHmac } from 'node:crypto';
import { fail, type Json, type JsonObject, num, obj, str } from './args.js';
import { goJson } from './core.js';
import { type HostValue, setsAsArrays } from './runtime.js';
import { compareStrings } from './values.js';

/** Headers SigV4 must not sign (they change in transit). */
const IGNORED = new Set(['authorization', 'user-agent', 'x-amzn-trace-id', 'expect']);

const sha256 = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

function optionalString(o: JsonObject, key: string): string | undefined {
  return o[key] === undefined ? undefined : str(o[key], key);
}

function signRequest(req: JsonObject, config: JsonObject, timeNs: number): JsonObject {
  const method = str(req.method, 'method');
  const urlText = str(req.url, 'url');
  const url = new URL(urlText);
  // Go's URL.Path and RawQuery: the path stays empty for "http://host" (WHATWG URL would give "/").
  const parts = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^?#]*)(?:\?([^#]*))?/i.exec(urlText);
  const headers = req.headers === undefined ? {} : obj(req.headers, 'headers');
  const access = str(config.aws_access_key, 'aws_access_key');
  const secret = str(config.aws_secret_access_key, 'aws_secret_access_key');
  const service = str(config.aws_service, 'aws_service');
  const region = str(config.aws_region, 'aws_region');
  const token = optionalString(config, 'aws_session_token');
  const unsigned = config.disable_payload_signing ?? false;
  if (typeof unsigned !== 'boolean') fail('disable_payload_signing must be a boolean');
  if (timeNs < 0) fail('time must be a non-negative number of nanoseconds');

  const rawBody = optionalString(req, 'raw_body');
  const body = rawBody ?? (req.body === undefined ? '' : goJson(setsAsArrays(req.body as HostValue) as Json));
  const payloadHash = unsigned ? 'UNSIGNED-PAYLOAD' : sha256(body);
  const stamp = new Date(Math.floor(timeNs / 1e6))
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const date = stamp.slice(0, 8);

  const awsHeaders: Record<string, string> = {
    host: url.host,
    'x-amz-content-sha256': payloadHash,
    'x-amz-date': stamp,
  };
  if (token) awsHeaders['x-amz-security-token'] = token;
  const toSign = new Map<string, string>(Object.entries(awsHeaders));
  for (const [k, v] of Object.entries(headers)) {
    const lower = k.toLowerCase();
    if (!IGNORED.has(lower)) toSign.set(lower, str(v, `header ${k}`));
  }
  const names = [...toSign.keys()].sort(compareStrings);
  const signedHeaders = names.join(';');
  // OPA signs the method as given (not upper-cased) and the raw path; keep both for equal signatures.
  const canonical = [
    method,
    decodeURIComponent(parts?.[1] ?? ''),
    parts?.[2] ?? '',
    names.map((n) => `${n}:${toSign.get(n)}\n`).join(''),
    signedHeaders,
    payloadHash,
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSignText = `AWS4-HMAC-SHA256\n${stamp}\n${scope}\n${sha256(canonical)}`;
  let key = hmac(`AWS4${secret}`, date);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(toSignText, 'utf8').digest('hex');

  return {
    ...req,
    headers: {
      ...headers,
      ...awsHeaders,
      Authorization: `AWS4-HMAC-SHA256 Credential=${access}/${scope},SignedHeaders=${signedHeaders},Signature=${signature}`,
    },
  };
}

export const awsBuiltins = {
  'providers.aws.sign_req': (req: unknown, config: unknown, time: unknown) =>
    signRequest(obj(req, 'request'), obj(config, 'aws_config'), num(time, 'time')),
};
