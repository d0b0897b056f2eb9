import { describe, expect, it } from 'vitest';
import { canonicalIp, inCidr, networkOf, parseCidr, parseIp } from '../../shared/risk/ip.js';

describe('IP addresses', () => {
  it.each([
    ['203.0.113.10', '203.0.113.10', '203.0.113.0/24'],
    ['::ffff:203.0.113.10', '203.0.113.10', '203.0.113.0/24'],
    ['2001:DB8:1:2::5', '2001:db8:1:2:0:0:0:5', '2001:db8:1::/48'],
    ['::1', '0:0:0:0:0:0:0:1', '0:0:0::/48'],
    ['fe80::1%eth0', 'fe80:0:0:0:0:0:0:1', 'fe80:0:0::/48'],
  ])('%s is %s in %s', (text, canonical, network) => {
    const ip = parseIp(text)!;
    expect(canonicalIp(ip)).toBe(canonical);
    expect(networkOf(ip)).toBe(network);
  });

  it.each(['', 'localhost', '999.1.1.1', '1.2.3', '2001:db8::g'])('%j is not an address', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });

  it.each([
    ['10.0.0.0/8', '10.255.255.255', true],
    ['10.0.0.0/8', '11.0.0.0', false],
    ['0.0.0.0/0', '198.51.100.1', true],
    ['0.0.0.0/0', '2001:db8::1', false],
    ['192.0.2.7', '192.0.2.7', true],
    ['192.0.2.7', '192.0.2.8', false],
    ['2001:db8::/32', '2001:db8:ffff::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['::ffff:192.0.2.0/120', '192.0.2.200', true],
  ])('%s contains %s: %s', (range, address, expected) => {
    expect(inCidr(parseIp(address)!, parseCidr(range)!)).toBe(expected);
  });

  it.each(['10.0.0.0/33', '2001:db8::/129', 'nope/8', '10.0.0.0/x'])('%s is not a range', (range) => {
    expect(parseCidr(range)).toBeUndefined();
  });
});
