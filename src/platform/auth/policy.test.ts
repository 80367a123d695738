import { describe, expect, it } from 'vitest';
import type { Actor } from './actor.ts';
import { createPolicy } from './policy.ts';

const policy = createPolicy([
  { 'tickets:read': ['agent', 'viewer'], 'tickets:work': ['agent'] },
  { 'users:write': [] },
]);
const actor = (role: Actor['role'], scopes?: string[]): Actor => ({
  userId: 7,
  username: 'svc',
  role,
  departmentId: null,
  isStaff: false,
  isSuperuser: false,
  via: scopes ? 'api_key' : 'session',
  ...(scopes && { scopes }),
});

describe('policy', () => {
  it('gives an API key the permissions its role and its scopes both grant', () => {
    const agentKey = actor('agent', ['tickets:read', 'users:write']);
    expect(policy.can(agentKey, 'tickets:read')).toBe(true);
    expect(policy.can(agentKey, 'tickets:work')).toBe(false);
    expect(policy.can(agentKey, 'users:write')).toBe(false);
    const adminKey = actor('admin', ['tickets:read']);
    expect(policy.can(adminKey, 'tickets:read')).toBe(true);
    expect(policy.can(adminKey, 'users:write')).toBe(false);
  });

  it('leaves actors without scopes to their role', () => {
    expect(policy.can(actor('agent'), 'tickets:work')).toBe(true);
    expect(policy.can(actor('admin'), 'users:write')).toBe(true);
  });

  it('lists every declared permission, for validating scopes', () => {
    expect(policy.permissions()).toEqual(['tickets:read', 'tickets:work', 'users:write']);
  });
});
