import { describe, expect, it } from 'vitest';
import {
  allowListPermitsAddress,
  allowListPermitsHost,
  classifyAddress,
  parseAllowList,
} from './ip-guard.js';

describe('classifyAddress', () => {
  it.each([
    // public
    ['93.184.215.14', true, 'unicast'],
    ['8.8.8.8', true, 'unicast'],
    ['2606:4700:4700::1111', true, 'unicast'],
    ['[2606:4700:4700::1111]', true, 'unicast'],
    // loopback
    ['127.0.0.1', false, 'loopback'],
    ['127.255.255.254', false, 'loopback'],
    ['::1', false, 'loopback'],
    // private
    ['10.0.0.1', false, 'private'],
    ['172.16.5.4', false, 'private'],
    ['172.31.255.255', false, 'private'],
    ['192.168.1.1', false, 'private'],
    ['fd00::1', false, 'uniqueLocal'],
    ['fc12:3456::1', false, 'uniqueLocal'],
    // link-local (cloud metadata lives here)
    ['169.254.169.254', false, 'linkLocal'],
    ['fe80::1', false, 'linkLocal'],
    ['fe80::1%eth0', false, 'linkLocal'],
    // carrier-grade NAT
    ['100.64.0.1', false, 'carrierGradeNat'],
    ['100.127.255.255', false, 'carrierGradeNat'],
    // multicast, broadcast, unspecified
    ['224.0.0.1', false, 'multicast'],
    ['ff02::1', false, 'multicast'],
    ['255.255.255.255', false, 'broadcast'],
    ['0.0.0.0', false, 'unspecified'],
    ['::', false, 'unspecified'],
    // reserved and documentation ranges
    ['240.0.0.1', false, 'reserved'],
    ['192.0.2.10', false, 'reserved'],
    ['198.18.0.1', false, 'reserved'],
    ['2001:db8::1', false, 'reserved'],
  ])('%s → allowed %s (%s)', (address, allowed, range) => {
    const verdict = classifyAddress(address);
    expect(verdict.allowed).toBe(allowed);
    expect(verdict.range).toBe(range);
  });

  it.each([
    ['::ffff:127.0.0.1', false],
    ['::ffff:7f00:1', false],
    ['[::ffff:127.0.0.1]', false],
    ['::ffff:10.1.2.3', false],
    ['::ffff:169.254.169.254', false],
    ['::ffff:8.8.8.8', true],
    ['64:ff9b::7f00:1', false],
    ['64:ff9b::808:808', true],
    ['::127.0.0.1', false],
    ['::10.0.0.1', false],
    ['2002:7f00:1::1', false],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', false],
  ])('IPv6 forms embedding IPv4: %s → allowed %s', (address, allowed) => {
    expect(classifyAddress(address).allowed).toBe(allowed);
  });

  it('judges the embedded IPv4 address of a mapped one', () => {
    expect(classifyAddress('::ffff:127.0.0.1')).toMatchObject({
      judged: '127.0.0.1',
      range: 'loopback (in ipv4Mapped)',
    });
  });

  it('refuses what is not an IP address', () => {
    expect(classifyAddress('localhost')).toMatchObject({ allowed: false, range: 'invalid' });
  });
});

describe('allow list', () => {
  it('matches addresses, CIDR ranges (also in IPv4-mapped form) and host names', () => {
    const list = parseAllowList(' 127.0.0.1 , 10.0.0.0/8, fd00::/8, Sink.Local. ,');
    expect(list.entries).toEqual(['127.0.0.1', '10.0.0.0/8', 'fd00::/8', 'Sink.Local.']);
    expect(allowListPermitsAddress(list, '127.0.0.1')).toBe(true);
    expect(allowListPermitsAddress(list, '::ffff:127.0.0.1')).toBe(true);
    expect(allowListPermitsAddress(list, '127.0.0.2')).toBe(false);
    expect(allowListPermitsAddress(list, '10.200.3.4')).toBe(true);
    expect(allowListPermitsAddress(list, 'fd12::1')).toBe(true);
    expect(allowListPermitsAddress(list, '192.168.0.1')).toBe(false);
    expect(allowListPermitsHost(list, 'sink.local')).toBe(true);
    expect(allowListPermitsHost(list, 'other.local')).toBe(false);
  });

  it('"*" allows everything; an empty list nothing', () => {
    expect(allowListPermitsAddress(parseAllowList('*'), '169.254.169.254')).toBe(true);
    expect(allowListPermitsAddress(parseAllowList(''), '127.0.0.1')).toBe(false);
  });

  it('names an entry it cannot read', () => {
    expect(() => parseAllowList('127.0.0.1,10.0.0.0/33')).toThrow('"10.0.0.0/33" is not a valid CIDR range');
    expect(() => parseAllowList('bad host!')).toThrow('"bad host!" is neither a host name');
  });
});
