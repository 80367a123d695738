import { describe, expect, it } from 'vitest';
import { maskEmail, maskPhone } from './customers.masking.ts';

describe('PII masking', () => {
  it('keeps the first letter of the mailbox and the domain', () => {
    expect(maskEmail('jane.doe@example.com')).toBe('j***@example.com');
    expect(maskEmail('@example.com')).toBe('***@example.com');
    expect(maskEmail('not-an-address')).toBe('***');
  });

  it('keeps a leading country code and the last three digits, spacing as typed', () => {
    expect(maskPhone('+44 20 7946 0123')).toBe('+44 ** **** *123');
    expect(maskPhone('+1 (202) 555-0143')).toBe('+1 (***) ***-*143');
    expect(maskPhone('020 7946 0123')).toBe('*** **** *123');
    expect(maskPhone('+442079460123')).toBe('+*********123');
  });
});
