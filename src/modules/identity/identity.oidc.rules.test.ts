import { describe, expect, it } from 'vitest';
import {
  assertsMultiFactor,
  emailAllowed,
  issuerProblem,
  parseAllowedEmails,
  safeNext,
} from './identity.oidc.rules.ts';

describe('safeNext', () => {
  it('keeps a path on this site, with its query and fragment', () => {
    expect(safeNext('/tickets/42?tab=history#c3')).toBe('/tickets/42?tab=history#c3');
    expect(safeNext('/api/v2/me')).toBe('/api/v2/me');
  });

  it.each([
    ['an absolute URL', 'https://evil.example/'],
    ['a scheme-relative URL', '//evil.example/x'],
    ['a backslash browsers read as a slash', '/\\evil.example'],
    ['a tab browsers strip', '/\t/evil.example'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a relative path', 'tickets'],
    ['nothing', undefined],
    ['an array (?next=a&next=b)', ['/a', '/b']],
    ['an overlong value', `/${'a'.repeat(2000)}`],
  ])('answers / for %s', (_what, next) => {
    expect(safeNext(next)).toBe('/');
  });

  it('cannot be walked off the site by dot segments', () => {
    expect(safeNext('/../../evil.example')).toBe('/evil.example');
  });
});

describe('allowed e-mails', () => {
  it('admits a listed domain (not its subdomains) and a listed address, ignoring case', () => {
    const { allowed } = parseAllowedEmails(['Corp.Example', 'Ann@Partner.Example']);
    expect(allowed).toEqual(['corp.example', 'ann@partner.example']);
    expect(emailAllowed('bob@CORP.example', allowed)).toBe(true);
    expect(emailAllowed('ann@partner.example', allowed)).toBe(true);
    expect(emailAllowed('eve@partner.example', allowed)).toBe(false);
    expect(emailAllowed('eve@eu.corp.example', allowed)).toBe(false);
    expect(emailAllowed('eve@corp.example.evil', allowed)).toBe(false);
    expect(emailAllowed('corp.example', allowed)).toBe(false);
  });

  it('admits no one when nothing is listed', () => {
    expect(emailAllowed('bob@corp.example', [])).toBe(false);
  });

  it('reports entries that are neither a domain nor an address', () => {
    expect(parseAllowedEmails(['*', 'corp', '@corp.example', 'a@b@c.example']).invalid).toEqual([
      '*',
      'corp',
      '@corp.example',
      'a@b@c.example',
    ]);
  });
});

describe('issuerProblem', () => {
  it('accepts an https issuer, with a path', () => {
    expect(issuerProblem('https://login.example.com/tenant/v2.0', false)).toBeUndefined();
  });

  it('refuses http unless OIDC_ALLOW_HTTP_ISSUERS', () => {
    expect(issuerProblem('http://169.254.169.254/latest', false)).toMatch(/https/);
    expect(issuerProblem('http://127.0.0.1:4000', true)).toBeUndefined();
  });

  it('refuses other schemes, credentials, queries and fragments', () => {
    expect(issuerProblem('file:///etc/passwd', true)).toBeDefined();
    expect(issuerProblem('https://user:pass@login.example.com', false)).toBeDefined();
    expect(issuerProblem('https://login.example.com/?x=1', false)).toBeDefined();
    expect(issuerProblem('https://login.example.com/#x', false)).toBeDefined();
    expect(issuerProblem('not a url', false)).toBeDefined();
  });
});

describe('assertsMultiFactor', () => {
  it.each([
    [['mfa'], true],
    [['pwd', 'mfa'], true],
    [['pwd', 'otp'], true],
    [['hwk', 'pin'], true],
    [['pwd', 'fpt'], true],
    [['pwd'], false],
    [['pwd', 'kba'], false],
    [['otp'], false],
    [['pwd', 'user', 'geo'], false],
    [[], false],
  ])('%j: %s', (amr, expected) => {
    expect(assertsMultiFactor(amr)).toBe(expected);
  });
});
