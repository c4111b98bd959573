// providers.aws.sign_req against the signatures of OPA's conformance cases (providers-aws/*.yaml).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostBuiltins as h } from './index.js';

const T = 1451311705000000000;
const cfg = {
  aws_access_key: 'MYAWSACCESSKEYGOESHERE',
  aws_secret_access_key: 'MYAWSSECRETACCESSKEYGOESHERE',
  aws_service: 's3',
  aws_region: 'us-east-1',
};
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const BODY = 'bacff6243c850423883052ac3c336fd645994442933408dfd3f9e858e69bda07';
const auth = (signed: string, sig: string) =>
  `AWS4-HMAC-SHA256 Credential=MYAWSACCESSKEYGOESHERE/20151228/us-east-1/s3/aws4_request,SignedHeaders=${signed},Signature=${sig}`;

describe('providers.aws.sign_req', () => {
  it('signs a request without body', () => {
    assert.deepEqual(h['providers.aws.sign_req']({ method: 'get', url: 'http://example.com' }, cfg, T), {
      headers: {
        Authorization: auth(
          'host;x-amz-content-sha256;x-amz-date',
          '0047a7016c81e5c7f29cd522f97e911e04fc472fced0aee7916cbc287ad6c8e3',
        ),
        host: 'example.com',
        'x-amz-content-sha256': EMPTY,
        'x-amz-date': '20151228T140825Z',
      },
      method: 'get',
      url: 'http://example.com',
    });
  });
  const cases: [string, Record<string, unknown>, Record<string, unknown>, string, string][] = [
    [
      'headers',
      { headers: { foo: 'bar' } },
      {},
      'foo;host;x-amz-content-sha256;x-amz-date',
      '8f1dc7c9b9978356a0d0989fd26a95307f4f8a4aa264d8220647b7097d839952',
    ],
    [
      'session token',
      {},
      { aws_session_token: 'MYAWSSECURITYTOKENGOESHERE' },
      'host;x-amz-content-sha256;x-amz-date;x-amz-security-token',
      '23c31bda8a74630c0a94f6b82a3511e7e74728df98e6f54ed0840488dbbdc8d1',
    ],
    [
      'body',
      { body: { example: [1, 2, 3, 4] } },
      {},
      'host;x-amz-content-sha256;x-amz-date',
      '5fb06ab1cfd74c8fcb3af95b8cce696708cf6155d971dac10f254d79799c6e88',
    ],
    [
      'raw body wins',
      { body: { x: 1 }, raw_body: '{"example": {1, 2, 3, 4}}' },
      {},
      'host;x-amz-content-sha256;x-amz-date',
      '5bf26e169cb8b02330dba39d53932532438fc856c2f10537689a09ed807c7195',
    ],
    [
      'unsigned payload',
      { url: 'https://example.com', headers: { foo: 'bar' } },
      { disable_payload_signing: true },
      'foo;host;x-amz-content-sha256;x-amz-date',
      'c6e6db654e92172f71e18c714c123711de069ac6fd7df1348e5b28fd05532028',
    ],
    [
      'existing sha header',
      {
        url: 'https://example.com',
        headers: { foo: 'bar', 'x-amz-content-sha256': 'existing-value' },
        body: { example: [1, 2, 3, 4] },
      },
      { disable_payload_signing: false },
      'foo;host;x-amz-content-sha256;x-amz-date',
      '42bcac7fc6d170e09be72fdf38b62e59361265bc59d5f9156f0d6faf889e98ba',
    ],
  ];
  for (const [name, req, extra, signed, sig] of cases) {
    it(`signs: ${name}`, () => {
      const out = h['providers.aws.sign_req'](
        { method: 'get', url: 'http://example.com', ...req },
        { ...cfg, ...extra },
        T,
      ) as {
        headers: Record<string, string>;
      };
      assert.equal(out.headers.Authorization, auth(signed, sig));
    });
  }
  it('returns the payload hash it signed', () => {
    const out = h['providers.aws.sign_req'](
      { method: 'get', url: 'http://x', body: { example: [1, 2, 3, 4] } },
      cfg,
      T,
    ) as {
      headers: Record<string, string>;
    };
    assert.equal(out.headers['x-amz-content-sha256'], BODY);
  });
  it('is undefined for missing or mistyped fields', () => {
    assert.equal(h['providers.aws.sign_req']({}, cfg, T), undefined);
    assert.equal(
      h['providers.aws.sign_req']({ method: 'get', url: 'http://x' }, { example: 'x' }, T),
      undefined,
    );
    assert.equal(
      h['providers.aws.sign_req'](
        { method: 'get', url: 'http://x' },
        { ...cfg, disable_payload_signing: 'false' },
        T,
      ),
      undefined,
    );
    assert.equal(h['providers.aws.sign_req']({ method: 'get', url: 'http://x' }, cfg, -1e9), undefined);
  });
});
