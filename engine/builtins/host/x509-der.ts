// A minimal DER reader for the X.509 structures node:crypto does not parse: the subject of a PKCS #10
// certificate request (crypto.x509.parse_certificate_request).
import { fail, type Json } from './args.js';

interface Tlv {
  tag: number;
  /** First content byte. */
  start: number;
  /** One past the last content byte. */
  end: number;
}

function readTlv(buf: Buffer, pos: number, limit = buf.length): Tlv {
  if (pos + 2 > limit) fail('truncated DER');
  const tag = buf[pos];
  let len = buf[pos + 1];
  let start = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > limit) fail('invalid DER length');
    len = 0;
    for (let k = 0; k < n; k++) len = len * 256 + buf[start + k];
    start += n;
  }
  if (start + len > limit) fail('truncated DER');
  return { tag, start, end: start + len };
}

function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = parent.start; p < parent.end; ) {
    const t = readTlv(buf, p, parent.end);
    out.push(t);
    p = t.end;
  }
  return out;
}

function oid(bytes: Buffer): string {
  const parts = [Math.floor(bytes[0] / 40), bytes[0] % 40];
  let v = 0;
  for (const b of bytes.subarray(1)) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

const NAME_OIDS: Record<string, string> = {
  '2.5.4.3': 'CommonName',
  '2.5.4.5': 'SerialNumber',
  '2.5.4.6': 'Country',
  '2.5.4.7': 'Locality',
  '2.5.4.8': 'Province',
  '2.5.4.9': 'StreetAddress',
  '2.5.4.10': 'Organization',
  '2.5.4.11': 'OrganizationalUnit',
  '2.5.4.17': 'PostalCode',
};

/** Go's pkix.Name from a DER Name. */
function name(buf: Buffer, seq: Tlv): Record<string, Json> {
  const out: Record<string, Json> = { CommonName: '', SerialNumber: '' };
  for (const f of [
    'Country',
    'Organization',
    'OrganizationalUnit',
    'Locality',
    'Province',
    'StreetAddress',
    'PostalCode',
  ]) {
    out[f] = null;
  }
  for (const rdn of children(buf, seq)) {
    for (const atv of children(buf, rdn)) {
      const [type, value] = children(buf, atv);
      if (!type || !value || type.tag !== 0x06) fail('invalid name attribute');
      const field = NAME_OIDS[oid(buf.subarray(type.start, type.end))];
      if (!field) continue;
      const text = buf.subarray(value.start, value.end).toString(value.tag === 0x1e ? 'utf16le' : 'utf8');
      if (field === 'CommonName' || field === 'SerialNumber') out[field] = text;
      else out[field] = [...((out[field] as string[] | null) ?? []), text];
    }
  }
  return out;
}

/** The fields of Go's x509.CertificateRequest that policies read. */
export function parseCertificateRequest(der: Buffer): Record<string, Json> {
  const top = readTlv(der, 0);
  if (top.tag !== 0x30) fail('not a certificate request');
  const [info] = children(der, top);
  if (info?.tag !== 0x30) fail('not a certificate request');
  const [version, subject] = children(der, info);
  if (version?.tag !== 0x02 || !subject || subject.tag !== 0x30) fail('not a certificate request');
  return {
    Raw: der.subarray(0, top.end).toString('base64'),
    Version: der[version.start],
    Subject: name(der, subject),
  };
}
