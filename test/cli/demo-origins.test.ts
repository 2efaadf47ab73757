/**
 * The origins the demo's proxy lets in: a page opened from any address the demo listens on may
 * start chats, and no other.
 */
import assert from 'node:assert/strict';
import type {networkInterfaces} from 'node:os';
import {describe, it} from 'node:test';
import {pageOrigins} from '../../src/cli/demo.js';

const address = (address: string, family: 'IPv4' | 'IPv6', scopeid = 0) =>
  ({address, family, scopeid, internal: false, netmask: '', mac: '', cidr: null}) as never;
const machine: ReturnType<typeof networkInterfaces> = {
  lo: [address('127.0.0.1', 'IPv4'), address('::1', 'IPv6')],
  eth0: [
    address('192.0.2.7', 'IPv4'),
    address('2001:db8::7', 'IPv6'),
    address('fe80::7', 'IPv6', 2),
  ],
};

describe('the demo page’s origins', () => {
  it('on one address: that address and localhost', () => {
    assert.deepEqual(pageOrigins('127.0.0.1', '8080', machine), [
      'http://127.0.0.1:8080',
      'http://localhost:8080',
    ]);
  });

  it("on every IPv4 interface: each of the machine's IPv4 addresses", () => {
    assert.deepEqual(pageOrigins('0.0.0.0', '8080', machine), [
      'http://127.0.0.1:8080',
      'http://192.0.2.7:8080',
      'http://localhost:8080',
    ]);
  });

  it('on every interface with ::, the IPv6 addresses too, in brackets, without link-local ones', () => {
    assert.deepEqual(pageOrigins('::', '8080', machine), [
      'http://127.0.0.1:8080',
      'http://[::1]:8080',
      'http://192.0.2.7:8080',
      'http://[2001:db8::7]:8080',
      'http://localhost:8080',
    ]);
  });
});
