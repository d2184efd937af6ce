// Webhook secrets are sealed before they are stored: to the public key the workers publish (derived from
// the master key), so the API needs no master key and a database dump does not reveal them.
import { currentSealingKey } from '../db/sealing-keys';
import { ErrorCode } from '../domain/errors';
import { sealToPublicKey, webhookSecretContext } from '../domain/crypto';
import { ApiError } from './errors';
import type { Api } from './http';

/** The stored form of a webhook: URL in clear, secret sealed. */
export async function sealWebhook(api: Api, userId: string, hook: { url: string; secret: string }): Promise<{ url: string; sealedSecret: string; keyId: string }> {
  const key = await (api.deps.webhookSealingKey ?? (() => currentSealingKey(api.deps.db)))();
  if (!key) {
    throw new ApiError(503, ErrorCode.providerUnavailable, 'webhooks are unavailable until a worker has started once (it publishes the key webhook secrets are sealed to)', null, {
      'Retry-After': '30',
    });
  }
  return { url: hook.url, sealedSecret: sealToPublicKey(key.publicKey, hook.secret, webhookSecretContext(userId, hook.url)).toString('base64'), keyId: key.keyId };
}
