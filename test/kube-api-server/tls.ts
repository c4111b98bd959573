// A self-signed certificate for 127.0.0.1/localhost from the openssl CLI, made once per process
// (key generation is the slow part of starting an HTTPS server).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tlsFailed } from './errors.js';

const run = promisify(execFile);

export interface ServingCert {
  cert: string;
  key: string;
}

let cached: Promise<ServingCert> | undefined;

async function generate(): Promise<ServingCert> {
  const dir = await mkdtemp(join(tmpdir(), 'kube-api-cert-'));
  try {
    const keyPath = join(dir, 'tls.key');
    const certPath = join(dir, 'tls.crt');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '30',
      '-subj',
      '/CN=kube-api-server-test',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      keyPath,
      '-out',
      certPath,
    ]);
    return { cert: await readFile(certPath, 'utf8'), key: await readFile(keyPath, 'utf8') };
  } catch (err) {
    throw tlsFailed('could not generate a self-signed certificate with openssl (is it installed?)', err);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function servingCert(): Promise<ServingCert> {
  cached ??= generate().catch((err) => {
    cached = undefined;
    throw err;
  });
  return cached;
}
