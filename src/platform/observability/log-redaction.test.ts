import { describe, expect, it } from 'vitest';
import { redactUrl } from './log-redaction.ts';

const apiKey = `osk_${'A1b2C3d4'.repeat(5)}xyz`;
const personalToken = `odk_${'Z9y8X7w6'.repeat(5)}abc`;
const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';

describe('redactUrl', () => {
  it('redacts API keys under every name a client might give them', () => {
    for (const name of ['api_key', 'apikey', 'api-key', 'x-api-key', 'X-Api-Key', 'key'])
      expect(redactUrl(`/api/v2/tickets?${name}=${apiKey}&page=2`)).toBe(
        `/api/v2/tickets?${name}=[redacted]&page=2`,
      );
  });

  it('redacts a value shaped like a credential whatever its parameter is called', () => {
    expect(redactUrl(`/api/v2/tickets?search=${apiKey}`)).toBe('/api/v2/tickets?search=[redacted]');
    expect(redactUrl(`/api/v2/tickets?q=${encodeURIComponent(personalToken)}`)).toBe(
      '/api/v2/tickets?q=[redacted]',
    );
    expect(redactUrl(`/api/v2/tickets?whatever=${jwt}`)).toBe('/api/v2/tickets?whatever=[redacted]');
    expect(redactUrl(`/api/v2/tickets?${apiKey}`)).toBe('/api/v2/tickets?[redacted]');
  });

  it('leaves ordinary values and a key prefix (as audit searches use) alone', () => {
    const url = `/api/v2/audit?search=${apiKey.slice(0, 12)}&page=2&ordering=-id`;
    expect(redactUrl(url)).toBe(url);
  });
});

describe('redactUrl and personal data', () => {
  it('redacts e-mail and phone lookups, and searches that look like either', () => {
    expect(redactUrl('/api/customers/?email=ada%40example.test&status=active')).toBe(
      '/api/customers/?email=[redacted]&status=active',
    );
    expect(redactUrl('/api/v2/customers?phone=%2B44%2020%207946%200123')).toBe(
      '/api/v2/customers?phone=[redacted]',
    );
    expect(redactUrl('/api/v2/customers?search=ada@example.test')).toBe(
      '/api/v2/customers?search=[redacted]',
    );
    expect(redactUrl('/api/v2/customers?search=020%207946%200123')).toBe(
      '/api/v2/customers?search=[redacted]',
    );
    expect(redactUrl('/api/v2/customers?search=lovelace')).toBe('/api/v2/customers?search=lovelace');
  });
});
