/**
 * Throwaway TLS certificates for the tests, made by Debian's `openssl` (Node's crypto
 * cannot sign certificates): a private CA, and a server certificate it signs for
 * 127.0.0.1 and localhost. Each call makes fresh keys in `folder`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './processes.ts';

async function openssl(args: readonly string[]): Promise<void> {
  const finished = await run('openssl', args);
  if (finished.status !== 0)
    throw new Error(`openssl ${args[0]} failed (${finished.status}): ${finished.stderr}`);
}

/** A self-signed CA: its certificate and key files, named `<name>.pem` and `<name>.key`. */
export async function makeCa(
  folder: string,
  name: string,
): Promise<{ certFile: string; keyFile: string }> {
  const certFile = join(folder, `${name}.pem`);
  const keyFile = join(folder, `${name}.key`);
  await openssl([
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
    ...['-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${name}`],
  ]);
  return { certFile, keyFile };
}

/** A server certificate for 127.0.0.1 and localhost, signed by `ca`. */
export async function makeServerCertificate(
  folder: string,
  ca: { certFile: string; keyFile: string },
): Promise<{ certFile: string; keyFile: string }> {
  const keyFile = join(folder, 'server.key');
  const request = join(folder, 'server.csr');
  const certFile = join(folder, 'server.pem');
  const extensions = join(folder, 'server.ext');
  writeFileSync(extensions, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await openssl([
    ...['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
    ...['-keyout', keyFile, '-out', request, '-subj', '/CN=127.0.0.1'],
  ]);
  await openssl([
    ...['x509', '-req', '-in', request, '-CA', ca.certFile, '-CAkey', ca.keyFile],
    ...['-CAcreateserial', '-out', certFile, '-days', '2', '-extfile', extensions],
  ]);
  return { certFile, keyFile };
}
