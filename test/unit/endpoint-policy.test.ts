import { describe, expect, it } from 'vitest';
import { createEndpointPolicy } from '../../src/net/endpoint-policy.ts';

describe('the endpoint policy for sources (public addresses allowed)', () => {
  const sources = createEndpointPolicy([], { subject: 'source', allowPublic: true });

  it('allows public addresses, IPv4 and IPv6', () => {
    for (const address of ['8.8.8.8', '104.16.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])
      expect(sources.refuseAddress(address)).toBeUndefined();
    expect(sources.refuseEndpoint('https://api.example.com/v2/prices')).toBeUndefined();
  });

  it('refuses loopback, private, shared and documentation ranges unless they are listed', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '100.64.0.1',
      '192.0.2.1',
      '::1',
      'fd00::1',
      '64:ff9b::a00:1',
    ]) {
      expect(sources.refuseAddress(address)).toMatch(/is not public and outside the allowed source networks/);
    }
    expect(sources.refuseEndpoint('http://127.0.0.1:8080/')).toMatch(/not public/);
    const withLoopback = createEndpointPolicy(['127.0.0.0/8'], { subject: 'source', allowPublic: true });
    expect(withLoopback.refuseAddress('127.0.0.1')).toBeUndefined();
    expect(withLoopback.refuseAddress('10.1.2.3')).toMatch(/not public/);
  });

  it('never allows link-local or metadata addresses, listed or not, mapped or not', () => {
    const open = createEndpointPolicy(['*', '169.254.0.0/16'], { subject: 'source', allowPublic: true });
    for (const policy of [sources, open]) {
      for (const address of [
        '169.254.169.254',
        '::ffff:169.254.169.254',
        '::ffff:a9fe:a9fe',
        'fe80::1',
        '100.100.100.200',
        'fd00:ec2::254',
      ]) {
        expect(policy.refuseAddress(address)).toMatch(/never allowed/);
      }
    }
  });
});

describe('the endpoint policy for workers (listed networks only)', () => {
  it('keeps refusing public addresses by default', () => {
    const workers = createEndpointPolicy();
    expect(workers.subject).toBe('worker');
    expect(workers.refuseAddress('8.8.8.8')).toBe('address 8.8.8.8 is outside the allowed worker networks');
    expect(workers.refuseAddress('10.0.0.1')).toBeUndefined();
  });
});
