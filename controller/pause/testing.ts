// Test support for the kubelet checkpoint client: a throwaway PKI (a CA, serving and client
// certificates) minted by the openssl CLI in a directory of the test's own. EC keys keep it fast.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export interface TestPki {
  /** `<dir>/<name>`, e.g. pem('ca.crt'). */
  pem(name: string): Buffer;
  /** A self-signed CA, `<name>.crt` and `<name>.key`, valid for a day. */
  ca(name: string, cn?: string): void;
  /** `<leaf>.crt/.key` for `cn`, signed by the CA `ca`, with the X.509 extensions in `ext`. */
  leaf(ca: string, leaf: string, cn: string, ext: string): void;
}

export function testPki(dir: string): TestPki {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  return {
    pem: (name) => readFileSync(join(dir, name)),
    ca(name, cn = name) {
      openssl(
        'req',
        '-x509',
        ...EC,
        '-days',
        '1',
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.crt`,
        '-subj',
        `/CN=${cn}`,
      );
    },
    leaf(ca, leaf, cn, ext) {
      openssl('req', ...EC, '-keyout', `${leaf}.key`, '-out', `${leaf}.csr`, '-subj', `/CN=${cn}`);
      writeFileSync(join(dir, `${leaf}.ext`), `${ext}\n`);
      openssl(
        'x509',
        '-req',
        '-in',
        `${leaf}.csr`,
        '-CA',
        `${ca}.crt`,
        '-CAkey',
        `${ca}.key`,
        '-CAcreateserial',
        '-days',
        '1',
        '-out',
        `${leaf}.crt`,
        '-extfile',
        `${leaf}.ext`,
      );
    },
  };
}
