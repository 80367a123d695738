import type { Customer } from './customers.pii.ts';

/**
 * An e-mail as a reader without the PII grant sees it: the first letter of the
 * mailbox and the domain (`j***@example.com`), enough to tell two apart on a call.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at === -1) return '***';
  return `${email.slice(0, Math.min(1, at))}***${email.slice(at)}`;
}

/**
 * A phone number masked: every digit hidden but a leading `+` country code (up to 3
 * digits) and the last 3 (`+44 20 7946 0123` -> `+44 ** **** *123`), spacing kept.
 */
export function maskPhone(phone: string): string {
  const country = /^\s*\+\d{1,3}(?=\D|$)/.exec(phone)?.[0] ?? '';
  const rest = phone.slice(country.length);
  const digits = rest.replace(/\D/g, '').length;
  let seen = 0;
  return (
    country +
    rest.replace(/\d/g, (digit) => {
      seen += 1;
      return seen > digits - 3 ? digit : '*';
    })
  );
}

/** The customer with e-mail and phone masked (the other fields as they are). */
export const maskedCustomer = (customer: Customer): Customer => ({
  ...customer,
  email: customer.email === null ? null : maskEmail(customer.email),
  phone: customer.phone === null ? null : maskPhone(customer.phone),
});
