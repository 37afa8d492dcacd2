// Transport errors that are configuration problems, not transient blips: certificate failures
// (the receiver's certificate is not trusted, expired, for another name; the receiver refused
// ours) and a proxy that refuses the tunnel. Waiting will not fix them: the records stay queued
// (verdict retry), the endpoint backs off to probes (signal unreachable), and the disposition
// says what failed and which key fixes it. The failure key is `tls:<code>` or `proxy:<status>`,
// so `tail --once` can tell a certificate problem from a receiver that is down.
import type { HttpOutcome } from './client.js';

type TransportError = Extract<HttpOutcome, { kind: 'error' }>;
type Response = Extract<HttpOutcome, { kind: 'response' }>;

export interface ConfigFailure {
  failureKey: string;
  disposition: string;
}

const UNKNOWN_CA = new Set([
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN', 'CERT_UNTRUSTED',
]);
const OTHER_VERIFY = new Set([
  'UNABLE_TO_GET_CRL', 'UNABLE_TO_DECRYPT_CERT_SIGNATURE', 'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY', 'CERT_SIGNATURE_FAILURE', 'CRL_SIGNATURE_FAILURE',
  'CRL_NOT_YET_VALID', 'CRL_HAS_EXPIRED', 'ERROR_IN_CERT_NOT_BEFORE_FIELD', 'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD', 'ERROR_IN_CRL_NEXT_UPDATE_FIELD', 'CERT_CHAIN_TOO_LONG', 'INVALID_CA',
  'PATH_LENGTH_EXCEEDED', 'INVALID_PURPOSE', 'CERT_REJECTED', 'HOSTNAME_MISMATCH',
]);

/** The guidance for a transport error that is a configuration problem, or null for a blip. */
export function configFailureOf(e: TransportError): ConfigFailure | null {
  const why = tlsGuidance(e);
  if (why !== null) return { failureKey: `tls:${e.code}`, disposition: `TLS error: ${why} (${e.code})` };
  const m = /Proxy response \((\d{3})\) !== 200/.exec(e.message);
  if (m) {
    const status = Number(m[1]);
    if (status === 407) return { failureKey: 'proxy:407', disposition: 'proxy error: 407 Proxy Authentication Required: the proxy refused the credentials: check the user and password in proxy (or HTTPS_PROXY)' };
    if (status === 403 || status === 405) return { failureKey: `proxy:${status}`, disposition: `proxy error: the proxy refused to open a tunnel to the receiver (${status}): ask for the receiver's host and port to be allowed, or set NO_PROXY` };
  }
  return null;
}

/**
 * nginx with ssl_verify_client completes the handshake and answers a missing or refused client
 * certificate with a 400 and one of these pages; taken at its word, the 400 would be final.
 */
export function clientCertificateAnswer(r: Response): ConfigFailure | null {
  if (r.status !== 400) return null;
  if (/No required SSL certificate was sent/i.test(r.bodySnippet)) {
    return { failureKey: 'tls:client-certificate-required', disposition: '400 Bad Request: TLS error: the receiver requires a client certificate: set client_cert and client_key' };
  }
  if (/The SSL certificate error/i.test(r.bodySnippet)) {
    return { failureKey: 'tls:client-certificate-refused', disposition: '400 Bad Request: TLS error: the receiver refused the client certificate: set client_cert and client_key to a certificate it trusts (and check that it has not expired)' };
  }
  return null;
}

function tlsGuidance(e: TransportError): string | null {
  const c = e.code;
  if (UNKNOWN_CA.has(c)) return "certificate signed by an unknown authority: set ca_file to the receiver's CA bundle (or fix the chain the receiver sends)";
  if (c === 'DEPTH_ZERO_SELF_SIGNED_CERT') return "the receiver's certificate is self-signed: set ca_file to that certificate (or its CA)";
  if (c === 'CERT_HAS_EXPIRED') return "the receiver's certificate has expired: renew it on the receiver (or check this host's clock)";
  if (c === 'CERT_NOT_YET_VALID') return "the receiver's certificate is not valid yet: check this host's clock, or the certificate's start date";
  if (c === 'CERT_REVOKED') return "the receiver's certificate was revoked: the receiver needs a new one";
  if (c === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `the receiver's certificate is not for this host name (${oneLine(e.message)}): use a url with a name the certificate lists, or set tls_server_name`;
  }
  if (OTHER_VERIFY.has(c)) return `the receiver's certificate was refused (${oneLine(e.message)}): check ca_file and the receiver's certificate`;
  if (c === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED') return 'the receiver requires a client certificate: set client_cert and client_key';
  if (/^ERR_SSL_(SSLV3|TLSV1)_ALERT_(BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|UNSUPPORTED_CERTIFICATE|ACCESS_DENIED|DECRYPT_ERROR)$/.test(c)) {
    return 'the receiver refused the client certificate: set client_cert and client_key to a certificate it trusts (and check that it has not expired)';
  }
  if (/PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|NO_PROTOCOLS_AVAILABLE|VERSION_TOO_LOW|VERSION_TOO_HIGH/.test(c)) {
    return 'the receiver and loghook share no TLS version: check tls_min_version against what the receiver supports';
  }
  if (c === 'ERR_SSL_WRONG_VERSION_NUMBER' || c === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' || c === 'ERR_SSL_HTTP_REQUEST') {
    return 'the receiver does not speak TLS on this port: use http:// if it is plain HTTP, or the port of its https listener';
  }
  if (/^ERR_SSL_.*ALERT_HANDSHAKE_FAILURE$|^ERR_SSL_.*UNRECOGNIZED_NAME$/.test(c)) {
    return 'the TLS handshake failed: check tls_server_name, tls_min_version and client_cert against what the receiver expects';
  }
  return null;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
