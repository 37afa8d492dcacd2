// NATS decentralized auth for tests, without nsc: an operator, an account with JetStream and a
// user, as nkeys (@nats-io/nkeys) and JWTs signed the way nats-io/jwt signs them (header
// {"typ":"JWT","alg":"ed25519-nkey"}, base64url parts, the issuer's ed25519 signature over
// "<header>.<claims>", jti = base32 SHA-512/256 of the claims), plus the server config that trusts
// the operator and preloads the accounts (resolver MEMORY; JetStream needs a system account) and the user's .creds file.
//
//   const auth = natsOperatorSetup();
//   NatsServer.start({ config: auth.serverConfig }); writeFileSync(path, auth.creds);
import { createHash } from 'node:crypto';
import { createAccount, createOperator, createUser, type KeyPair } from '@nats-io/nkeys';

export interface NatsOperatorSetup {
  /** operator + resolver lines for nats.conf */
  serverConfig: string;
  /** the user's .creds file: its JWT and nkey seed */
  creds: string;
  userPublicKey: string;
  accountPublicKey: string;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(buf: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** A JWT of `nats` claims about `subject`, signed by `issuer`. */
export function signJwt(issuer: KeyPair, subject: string, name: string, nats: Record<string, unknown>): string {
  const claims: Record<string, unknown> = { jti: '', iat: Math.floor(Date.now() / 1000), iss: issuer.getPublicKey(), name, sub: subject, nats: { ...nats, version: 2 } };
  claims.jti = base32(createHash('sha512-256').update(JSON.stringify(claims)).digest());
  const head = `${b64url(JSON.stringify({ typ: 'JWT', alg: 'ed25519-nkey' }))}.${b64url(JSON.stringify(claims))}`;
  return `${head}.${b64url(Buffer.from(issuer.sign(new TextEncoder().encode(head))))}`;
}

export function natsOperatorSetup(): NatsOperatorSetup {
  const operator = createOperator();
  const account = createAccount();
  // JetStream needs a system account to start in operator mode
  const system = createAccount();
  const user = createUser();
  const operatorJwt = signJwt(operator, operator.getPublicKey(), 'loghook-test-operator', { type: 'operator', system_account: system.getPublicKey() });
  const unlimited = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 };
  const accountJwt = signJwt(operator, account.getPublicKey(), 'loghook-test-account', {
    type: 'account',
    limits: { ...unlimited, mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 },
    default_permissions: { pub: {}, sub: {} },
  });
  const systemJwt = signJwt(operator, system.getPublicKey(), 'SYS', { type: 'account', limits: unlimited, default_permissions: { pub: {}, sub: {} } });
  const userJwt = signJwt(account, user.getPublicKey(), 'loghook', { type: 'user', pub: {}, sub: {}, subs: -1, data: -1, payload: -1 });
  const seed = new TextDecoder().decode(user.getSeed());
  const creds = [
    '-----BEGIN NATS USER JWT-----', userJwt, '------END NATS USER JWT------', '',
    '************************* IMPORTANT *************************',
    'NKEY Seed printed below can be used to sign and prove identity.',
    'NKEYs are sensitive and should be treated as secrets.', '',
    '-----BEGIN USER NKEY SEED-----', seed, '------END USER NKEY SEED------', '',
    '*************************************************************', '',
  ].join('\n');
  return {
    serverConfig:
      `operator: ${JSON.stringify(operatorJwt)}\nsystem_account: ${system.getPublicKey()}\nresolver: MEMORY\n` +
      `resolver_preload: {\n  ${account.getPublicKey()}: ${JSON.stringify(accountJwt)}\n  ${system.getPublicKey()}: ${JSON.stringify(systemJwt)}\n}\n`,
    creds,
    userPublicKey: user.getPublicKey(),
    accountPublicKey: account.getPublicKey(),
  };
}
