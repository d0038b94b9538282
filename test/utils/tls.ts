import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let made: { key: Buffer; cert: Buffer } | undefined;

/** A self-signed certificate for localhost and 127.0.0.1, made once per test process by openssl. */
export function throwawayCertificate(): { key: Buffer; cert: Buffer } {
  if (made) return made;
  const dir = mkdtempSync(join(tmpdir(), 'nestjs-sse-tls-'));
  try {
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    made = { key: readFileSync(key), cert: readFileSync(cert) };
    return made;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
