// The `webhook_sealing_keys` table: a public key webhook secrets are sealed to, published by workers.
export interface WebhookSealingKeyTable {
  key_id: string;
  public_key: Buffer;
  published_at: Date;
}
