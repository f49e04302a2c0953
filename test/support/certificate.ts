/**
 * A throw-away self-signed certificate for 127.0.0.1 (EC P-256, one day), made with Debian's
 * `openssl` (`scripts/services.sh` installs it): for the tests' HTTPS servers on loopback.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A key and certificate, PEM, and the folder that holds their files (the caller removes it). */
export interface LoopbackCertificate {
  key: string;
  certificate: string;
  folder: string;
}

/** Makes a key and a self-signed certificate whose subjectAltName is IP:127.0.0.1. */
export function loopbackCertificate(commonName: string): LoopbackCertificate {
  const folder = mkdtempSync(join(tmpdir(), 'cm-tls-'));
  const key = join(folder, 'key.pem');
  const cert = join(folder, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'].concat([
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ]),
    { stdio: 'ignore' },
  );
  return { key: readFileSync(key, 'utf8'), certificate: readFileSync(cert, 'utf8'), folder };
}
