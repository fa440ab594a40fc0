// Bearer protocol state at rest. A refresh token, a code, a session or an interaction id is a
// credential: whoever presents it is believed. oidc-provider hands the adapter those ids as
// record ids and repeats them inside the payloads (jti; an interaction's session cookie; a
// pushed request's id), so a Redis or database dump would yield live tokens. This wrapper, in
// front of either adapter, stores such records under an HMAC of the id and seals the bearer
// fields of the payload (AES-256-GCM, keys derived from KEYWARD_SECRET): a dump yields nothing
// that can be presented.
//
// Records written before this wrapper existed (plain ids) are still found, consumed and
// destroyed through a fallback on the plain id, so their tokens keep working until they expire
// or rotate. Once REFRESH_TOKEN_TTL has passed since the upgrade no plain record is left and the
// fallback can be removed (docs/security.md, "State at rest").
import { createHmac } from 'node:crypto';
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import { seal, unseal } from '../crypto/seal.js';
import { GRANT_SOURCE_NOT_FOUND } from './consumption.js';

/** oidc-provider's models whose ids are presented as credentials. */
export const BEARER_MODELS: ReadonlySet<string> = new Set([
  'Session',
  'Interaction',
  'AuthorizationCode',
  'RefreshToken',
  'PushedAuthorizationRequest',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'AccessToken',
  'ClientCredentials',
]);

export interface BearerStateKeys {
  idKey: Buffer;
  sealingKey: Buffer;
}

const SEALED = 'sealed:';

/** The id a bearer record is stored under: an HMAC of its model and id. */
export function storedRecordId(keys: BearerStateKeys, model: string, id: string): string {
  return createHmac('sha256', keys.idKey).update(`${model}\n${id}`, 'utf8').digest('base64url');
}

export class BearerStateAdapter implements Adapter {
  constructor(
    private readonly inner: Adapter,
    private readonly model: string,
    private readonly keys: BearerStateKeys,
  ) {}

  private storedId(id: string): string {
    return storedRecordId(this.keys, this.model, id);
  }

  private seal(value: unknown, field: string): unknown {
    return typeof value === 'string' ? `${SEALED}${seal(this.keys.sealingKey, value, `${this.model}.${field}`)}` : value;
  }

  private unseal(value: unknown, field: string): unknown {
    return typeof value === 'string' && value.startsWith(SEALED) ? unseal(this.keys.sealingKey, value.slice(SEALED.length), `${this.model}.${field}`) : value;
  }

  /** The payload with its bearer fields sealed (or, `open`, unsealed). */
  private transform(payload: AdapterPayload, open: boolean): AdapterPayload {
    const change = (value: unknown, field: string) => (open ? this.unseal(value, field) : this.seal(value, field));
    const out: AdapterPayload = { ...payload };
    if (out.jti !== undefined) out.jti = change(out.jti, 'jti') as string;
    if (out.parJti !== undefined) out.parJti = change(out.parJti, 'parJti') as string;
    const session = out.session as { cookie?: string } | undefined;
    if (session && typeof session === 'object' && session.cookie !== undefined) out.session = { ...session, cookie: change(session.cookie, 'session.cookie') as string };
    return out;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    await this.inner.upsert(this.storedId(id), this.transform(payload, false), expiresIn);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const found = (await this.inner.find(this.storedId(id))) ?? (await this.legacy(id));
    return found ? this.transform(found, true) : undefined;
  }

  /**
   * A record written before hashing, under its plain id: its jti is that id, in clear. Without
   * that check the fallback would find a hashed record by its stored id (what a key listing or
   * a dump shows), and the stored id would work as the token.
   */
  private async legacy(id: string): Promise<AdapterPayload | undefined> {
    const found = await this.inner.find(id);
    return found && found.jti === id ? found : undefined;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const found = await this.inner.findByUid(uid);
    return found ? this.transform(found, true) : undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const found = await this.inner.findByUserCode(userCode);
    return found ? this.transform(found, true) : undefined;
  }

  async consume(id: string): Promise<void> {
    try {
      await this.inner.consume(this.storedId(id));
    } catch (err) {
      // Not there under its hash: a record written before hashing, under its plain id.
      if (!(err instanceof errors.InvalidGrant) || err.error_detail !== GRANT_SOURCE_NOT_FOUND) throw err;
      await this.inner.consume(id);
    }
  }

  async destroy(id: string): Promise<void> {
    await Promise.all([this.inner.destroy(this.storedId(id)), this.inner.destroy(id)]);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.inner.revokeByGrantId(grantId);
  }
}
