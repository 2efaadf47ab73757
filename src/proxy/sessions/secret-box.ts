/**
 * @module Sealing a secret at rest: AES-256-GCM with a key from the environment
 * (`SESSION_ENCRYPTION_KEY`, stretched with HKDF-SHA256), a fresh 12-byte nonce per value. A
 * sealed value is `v1.<nonce>.<tag>.<ciphertext>` in base64url; a value sealed with another key
 * (or altered) does not open.
 */
import {createCipheriv, createDecipheriv, hkdfSync, randomBytes} from 'node:crypto';

/** Seals and opens the secrets a session record holds (the visitor's Glia token). */
export class SecretBox {
  private readonly key: Buffer;

  /** `secret`: the configured key (at least 32 characters); a random key when absent. */
  constructor(secret?: string) {
    this.key = secret
      ? Buffer.from(hkdfSync('sha256', secret, 'glia-handoff', 'session-record', 32))
      : randomBytes(32);
  }

  seal(plain: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const parts = [nonce, cipher.getAuthTag(), body].map((b) => b.toString('base64url'));
    return `v1.${parts.join('.')}`;
  }

  /** The plain value; throws if it was sealed with another key or altered. */
  open(sealed: string): string {
    const [version, nonce, tag, body] = sealed.split('.');
    if (version !== 'v1' || !nonce || !tag || body === undefined)
      throw new Error('not a sealed value');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(nonce, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([
      decipher.update(Buffer.from(body, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  }
}
