// A test PKI (made with openssl) and a TLS-terminating proxy in front of the dev server, so workers and
// the API can be tested against a real TLS (and mutual TLS) Temporal endpoint.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

export interface TestPki {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A CA that signed nothing here: a client trusting it must refuse the server. */
  otherCa: string;
  serverName: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA, a server certificate for `serverName` and 127.0.0.1, a client certificate, and an unrelated CA. */
export function makePki(serverName = 'temporal.bolt.test'): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bolt-pki-'));
  const ca = (name: string) => openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.pem`]);
  ca('test-ca');
  ca('other-ca');
  const leaf = (name: string, ext: string) => {
    openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
    fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'test-ca.pem', '-CAkey', 'test-ca.key', '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`]);
  };
  leaf('server', `subjectAltName=DNS:${serverName},IP:127.0.0.1\nextendedKeyUsage=serverAuth\n`);
  leaf('client', 'extendedKeyUsage=clientAuth\n');
  const p = (f: string) => path.join(dir, f);
  return { dir, ca: p('test-ca.pem'), serverCert: p('server.pem'), serverKey: p('server.key'), clientCert: p('client.pem'), clientKey: p('client.key'), otherCa: p('other-ca.pem'), serverName };
}

export interface TlsProxy {
  port: number;
  /** TLS sessions completed (a client certificate checked) and refused handshakes so far. */
  stats: { accepted: number; refused: number };
  close(): Promise<void>;
}

/** Terminates TLS (HTTP/2 by ALPN, client certificates required) and passes the bytes to `target`. */
export async function startTlsProxy(pki: TestPki, target: { host: string; port: number }): Promise<TlsProxy> {
  const stats = { accepted: 0, refused: 0 };
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    {
      key: fs.readFileSync(pki.serverKey),
      cert: fs.readFileSync(pki.serverCert),
      ca: fs.readFileSync(pki.ca),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    },
    (clear) => {
      stats.accepted++;
      const upstream = net.connect(target.port, target.host);
      sockets.add(clear).add(upstream);
      clear.pipe(upstream).pipe(clear);
      const done = () => {
        clear.destroy();
        upstream.destroy();
        sockets.delete(clear);
        sockets.delete(upstream);
      };
      clear.on('error', done).on('close', done);
      upstream.on('error', done).on('close', done);
    },
  );
  server.on('tlsClientError', () => stats.refused++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
