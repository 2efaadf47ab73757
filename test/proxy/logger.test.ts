import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {describe, it} from 'node:test';
import {SecretRegistry, createLogger} from '../../src/proxy/logger.js';

const token = () => randomBytes(32).toString('base64url');

describe('log redaction', () => {
  it('replaces every registered secret, alone, quoted, in a URL or run into other characters', () => {
    const secrets = new SecretRegistry();
    const [a, b] = [token(), token()];
    secrets.add(a);
    secrets.add(b);
    secrets.add('p@ss w0rd!'); // not a token's characters: searched as it is
    const line = `{"auth":"Bearer ${a}","url":"/x?t=${b}","glued":"ab${a}${b}cd","pw":"p@ss w0rd!"}`;
    const out = secrets.redact(line);
    for (const secret of [a, b, 'p@ss w0rd!']) assert.ok(!out.includes(secret), out);
    assert.equal(out.match(/\[redacted\]/g)?.length, 5, out);
    assert.ok(out.includes('"glued":"ab[redacted][redacted]cd"'), out);
  });

  it('finds one secret among 20,000, and stops redacting a secret once it is deleted', () => {
    const secrets = new SecretRegistry();
    const all = Array.from({length: 20_000}, token);
    for (const secret of all) secrets.add(secret);
    const needle = all[12_345] ?? '';
    assert.equal(secrets.redact(`token ${needle} seen`), 'token [redacted] seen');
    secrets.delete(needle);
    assert.equal(secrets.redact(`token ${needle} seen`), `token ${needle} seen`);
  });

  it('redacts JWT-shaped strings and fields named like secrets without registering them', () => {
    const lines: string[] = [];
    const log = createLogger({write: (line) => lines.push(line), secrets: new SecretRegistry()});
    log.info('call', {visitor: 'eyJhbGciOi.eyJzdWIiOiJ4In0.c2lnbmF0dXJl', apiKeySecret: 'xyz'});
    assert.equal(lines.length, 1);
    const fields = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    assert.equal(fields.visitor, '[redacted-jwt]');
    assert.equal(fields.apiKeySecret, '[redacted]');
  });

  it('redacts a token Glia gave, JWT or not: a JWT by its shape, registered or not, any other by its value', () => {
    const secrets = new SecretRegistry();
    const jwt = `eyJhbGciOiJIUzUxMiJ9.${token()}.${token()}`;
    const opaque = `v1.${token()}`;
    secrets.add(jwt);
    secrets.add(opaque);
    assert.equal(secrets.redact(`a ${jwt} b ${opaque}`), 'a [redacted-jwt] b [redacted]');
    // The session's visitor went: a JWT is still taken out, wherever it shows up.
    secrets.delete(jwt);
    assert.equal(secrets.redact(`Bearer ${jwt}.`), 'Bearer [redacted-jwt].');
    assert.equal(new SecretRegistry().redact(`"${jwt}"`), '"[redacted-jwt]"');
  });

  it('leaves short values alone, so that redaction cannot mangle ordinary words', () => {
    const secrets = new SecretRegistry();
    secrets.add('abc');
    assert.equal(secrets.redact('abc abcdef'), 'abc abcdef');
  });
});
