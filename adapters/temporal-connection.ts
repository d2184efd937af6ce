// How the API, the workers and the CLIs reach Temporal: the TEMPORAL_* variables and the profiles of
// Temporal's environment-config file (`@temporalio/envconfig`, the same settings the `temporal` CLI reads).
import tls from 'node:tls';
import { Connection, type TLSConfig } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../domain/config';

/** Where and how to connect: address, namespace, and the TLS / API-key options of one profile. */
export interface TemporalTarget {
  /** Unset when neither the environment nor a profile names a server (the local stack starts its own). */
  address?: string;
  namespace: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
}


/** Thrown when the settings cannot be read or the server cannot be reached; the message says which. */
export class TemporalConnectionError extends Error {
  override readonly name = 'TemporalConnectionError';
}

/**
 * Resolves the connection settings: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
 * TEMPORAL_TLS_* (client cert and key, server CA, server name), over the profile `TEMPORAL_PROFILE`
 * (default `default`) of `TEMPORAL_CONFIG_FILE` or `~/.config/temporalio/temporal.toml` when present.
 */
export function resolveTemporalTarget(t: Config['temporal']): TemporalTarget {
  let loaded: ReturnType<typeof loadClientConnectConfig>;
  try {
    loaded = loadClientConnectConfig({ overrideEnvVars: t.connectionEnv });
  } catch (err) {
    throw new TemporalConnectionError(`Temporal connection settings could not be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  const o = loaded.connectionOptions;
  const tls = o.tls === null ? undefined : o.tls;
  return { address: o.address, namespace: loaded.namespace ?? t.namespace, tls, apiKey: typeof o.apiKey === 'string' ? o.apiKey : undefined, metadata: o.metadata as Record<string, string> | undefined };
}

/** A one-line account of the target, with no secret in it (for start banners and errors). */
export function describeTarget(t: TemporalTarget): string {
  const how = [t.tls ? (typeof t.tls === 'object' && t.tls.clientCertPair ? 'mTLS' : 'TLS') : 'plaintext'];
  if (t.apiKey) how.push('API key');
  if (typeof t.tls === 'object' && t.tls.serverNameOverride) how.push(`server name ${t.tls.serverNameOverride}`);
  return `${t.address ?? '(none)'} namespace ${t.namespace} (${how.join(', ')})`;
}

function explain(t: TemporalTarget, err: unknown): TemporalConnectionError {
  const raw = err instanceof Error ? err.message : String(err);
  const tlsHint = /certificate|UnknownIssuer|tls|handshake|self.signed|BadSignature|NotValidForName/i.test(raw)
    ? ' — the TLS handshake failed: check TEMPORAL_TLS_SERVER_CA_CERT_PATH (the CA that signed the server certificate), TEMPORAL_TLS_SERVER_NAME and the client certificate'
    : '';
  return new TemporalConnectionError(`cannot connect to Temporal at ${describeTarget(t)}${tlsHint}: ${raw}`);
}

function requireAddress(t: TemporalTarget): string {
  if (!t.address) throw new TemporalConnectionError('no Temporal server configured: set TEMPORAL_ADDRESS (or an address in the Temporal config profile)');
  return t.address;
}

/** The worker's native (Rust core) connection. */
export async function connectNative(t: TemporalTarget): Promise<NativeConnection> {
  const address = requireAddress(t);
  try {
    return await NativeConnection.connect({ address, tls: t.tls, apiKey: t.apiKey, metadata: t.metadata });
  } catch (err) {
    throw explain(t, err);
  }
}

/**
 * gRPC-js reports a refused handshake only as a missed deadline: when TLS is on, one handshake with the
 * same settings finds the real reason (an unknown CA, a name mismatch) for the error message.
 */
function tlsHandshakeError(t: TemporalTarget, address: string): Promise<string | undefined> {
  if (!t.tls) return Promise.resolve(undefined);
  const o = typeof t.tls === 'object' ? t.tls : {};
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i);
  const servername = o.serverNameOverride ?? host;
  return new Promise((resolve) => {
    const socket = tls.connect({
      host,
      port: Number(address.slice(i + 1)),
      servername: /^[\d.]+$|:/.test(servername) ? undefined : servername,
      ca: o.serverRootCACertificate ? Buffer.from(o.serverRootCACertificate) : undefined,
      cert: o.clientCertPair ? Buffer.from(o.clientCertPair.crt) : undefined,
      key: o.clientCertPair ? Buffer.from(o.clientCertPair.key) : undefined,
      ALPNProtocols: ['h2'],
      checkServerIdentity: (_host, cert) => tls.checkServerIdentity(servername, cert),
      timeout: 10_000,
    });
    const done = (why: string | undefined) => {
      socket.destroy();
      resolve(why);
    };
    socket.once('secureConnect', () => done(undefined));
    socket.once('error', (err) => done(`TLS handshake: ${err.message}`));
    socket.once('timeout', () => done(undefined));
  });
}

/** The client's (gRPC-js) connection, for starting and reading workflows. */
export async function connectClient(t: TemporalTarget): Promise<Connection> {
  const address = requireAddress(t);
  try {
    return await Connection.connect({ address, tls: t.tls, apiKey: t.apiKey, metadata: t.metadata, connectTimeout: '15s' });
  } catch (err) {
    const handshake = await tlsHandshakeError(t, address);
    throw explain(t, handshake ? new Error(`${handshake} (${err instanceof Error ? err.message : String(err)})`) : err);
  }
}
