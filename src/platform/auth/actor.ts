import type { FastifyRequest } from 'fastify';

export const ROLES = ['admin', 'manager', 'agent', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, as every service and policy sees it. */
export interface Actor {
  userId: number;
  username: string;
  role: Role;
  departmentId: number | null;
  isStaff: boolean;
  isSuperuser: boolean;
  via: 'session' | 'token' | 'api_key' | 'jwt';
  /** Hash of the session token, when authenticated by session. */
  sessionKey?: string;
  /** The login (refresh-token family) a JWT access token belongs to, when authenticated by one. */
  refreshFamilyId?: number;
  /**
   * The permissions the credential was limited to (an API key's scopes): the actor may
   * use a permission only if its role grants it and it is listed here. Undefined: the
   * role's permissions, unlimited.
   */
  scopes?: readonly string[];
  /** The API key that authenticated the request, for its rate limit. */
  apiKey?: { id: number; prefix: string; rateLimitPerMinute: number | null };
}

/** What a service needs to know about the request it serves: who, and what to write in the audit log. */
export interface RequestContext {
  actor: Actor;
  requestId: string;
  ip: string;
  userAgent: string | undefined;
}

/** The context of a process acting on its own (CLI, seed, jobs). */
export function systemContext(label: string): RequestContext {
  return {
    actor: {
      userId: 0,
      username: `system:${label}`,
      role: 'admin',
      departmentId: null,
      isStaff: true,
      isSuperuser: true,
      via: 'token',
    },
    requestId: `${label}-${Date.now().toString(36)}`,
    ip: '127.0.0.1',
    userAgent: undefined,
  };
}

export function contextOf(request: FastifyRequest): RequestContext {
  const actor = request.actor;
  if (!actor) throw new Error('contextOf() on a route that does not require authentication');
  return { actor, requestId: request.id, ip: request.ip, userAgent: request.headers['user-agent'] };
}
