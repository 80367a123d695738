import { describe, expect, it } from 'vitest';
import { isForbiddenAddress, resolveTarget } from './webhooks.ssrf.ts';

describe('SSRF guard', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.0.0.5',
    '172.16.3.4',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.251',
    '255.255.255.255',
    '::',
    '::1',
    'fd00:ec2::254',
    'fc00::1',
    'fe80::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '64:ff9b::10.0.0.1',
  ])('refuses %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each(['93.184.215.14', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'allows %s',
    (address) => {
      expect(isForbiddenAddress(address)).toBe(false);
    },
  );

  it('resolves a name and refuses it when any address it has is internal', async () => {
    await expect(resolveTarget('http://localhost:8080/hook', false)).rejects.toThrow(/resolves to/);
    await expect(resolveTarget('http://localhost:8080/hook', true)).resolves.toMatchObject({
      address: expect.stringMatching(/^(127\.0\.0\.1|::1)$/),
    });
  });

  it('takes only http(s) URLs without credentials', async () => {
    await expect(resolveTarget('ftp://93.184.215.14/', false)).rejects.toThrow(/http or https/);
    await expect(resolveTarget('http://user:pw@93.184.215.14/', false)).rejects.toThrow(/credentials/);
    await expect(resolveTarget('not a url', false)).rejects.toThrow(/not a URL/);
    await expect(resolveTarget('https://93.184.215.14/hook', false)).resolves.toMatchObject({
      address: '93.184.215.14',
      family: 4,
    });
  });
});
