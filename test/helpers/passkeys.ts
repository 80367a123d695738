import fs from 'node:fs';
import net from 'node:net';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = fs.existsSync(CHROMIUM);

/** A free TCP port, so the relying party's origin (PUBLIC_URL) is known before the server listens. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });

export interface ApiAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** What PAGE_SCRIPT puts on `window`. */
interface PageApi {
  api(method: string, path: string, body: unknown): Promise<ApiAnswer<unknown>>;
  create(options: PublicKeyCredentialCreationOptionsJSON): Promise<RegistrationResponseJSON>;
  get(options: PublicKeyCredentialRequestOptionsJSON): Promise<AuthenticationResponseJSON>;
}
/** Evaluated in the page (so written inline there): the API PAGE_SCRIPT installed. */
type InPage = { pk: PageApi };

/**
 * Runs in the page: calls the API the way a frontend does (same-origin cookies, the
 * X-CSRFToken header from the csrftoken cookie) and turns WebAuthn's base64url JSON into
 * the ArrayBuffers `navigator.credentials` takes, and its answers back into JSON.
 */
const PAGE_SCRIPT = `
window.pk = (() => {
  const toBuffer = (value) => {
    const base64 = value.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0)).buffer;
  };
  const toBase64Url = (buffer) =>
    btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  const descriptors = (list) => (list || []).map((d) => ({ ...d, id: toBuffer(d.id) }));
  const common = (credential) => ({
    id: credential.id,
    rawId: toBase64Url(credential.rawId),
    type: credential.type,
    clientExtensionResults: credential.getClientExtensionResults(),
    authenticatorAttachment: credential.authenticatorAttachment || undefined,
  });
  return {
    async api(method, path, body) {
      const csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1];
      const response = await fetch(path, {
        method,
        headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...(csrf && { 'x-csrftoken': csrf }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
    async create(options) {
      const credential = await navigator.credentials.create({
        publicKey: {
          ...options,
          challenge: toBuffer(options.challenge),
          user: { ...options.user, id: toBuffer(options.user.id) },
          excludeCredentials: descriptors(options.excludeCredentials),
        },
      });
      return {
        ...common(credential),
        response: {
          clientDataJSON: toBase64Url(credential.response.clientDataJSON),
          attestationObject: toBase64Url(credential.response.attestationObject),
          transports: credential.response.getTransports(),
        },
      };
    },
    async get(options) {
      const credential = await navigator.credentials.get({
        publicKey: { ...options, challenge: toBuffer(options.challenge), allowCredentials: descriptors(options.allowCredentials) },
      });
      const response = credential.response;
      return {
        ...common(credential),
        response: {
          clientDataJSON: toBase64Url(response.clientDataJSON),
          authenticatorData: toBase64Url(response.authenticatorData),
          signature: toBase64Url(response.signature),
          ...(response.userHandle && { userHandle: toBase64Url(response.userHandle) }),
        },
      };
    },
  };
})();
`;

/**
 * One person's browser: its own cookie jar and page on the server's origin, and a
 * virtual platform authenticator (Chrome DevTools Protocol) that verifies the user
 * without a prompt.
 */
export class PasskeyDevice {
  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly cdp: CDPSession,
    readonly authenticatorId: string,
  ) {}

  static async open(browser: Browser, origin: string): Promise<PasskeyDevice> {
    // The API's Content-Security-Policy (default-src 'none') is for its JSON; this test page calls the API itself.
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    // Any page of the origin will do: a route-less 404 is one, and a secure context on localhost.
    await page.goto(`${origin}/passkey-test-page`);
    await page.evaluate(PAGE_SCRIPT);
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    const device = new PasskeyDevice(context, page, cdp, authenticatorId);
    await device.api('GET', '/api/csrf/');
    return device;
  }

  async api<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<ApiAnswer<T>> {
    const answer = await this.page.evaluate(
      ([m, p, b]) => (globalThis as unknown as InPage).pk.api(m, p, b),
      [method, path, body] as const,
    );
    return answer as ApiAnswer<T>;
  }

  /** navigator.credentials.create() with creation options JSON. */
  create(options: PublicKeyCredentialCreationOptionsJSON): Promise<RegistrationResponseJSON> {
    return this.page.evaluate((o) => (globalThis as unknown as InPage).pk.create(o), options);
  }

  /** navigator.credentials.get() with request options JSON. */
  get(options: PublicKeyCredentialRequestOptionsJSON): Promise<AuthenticationResponseJSON> {
    return this.page.evaluate((o) => (globalThis as unknown as InPage).pk.get(o), options);
  }

  login(username: string, password: string) {
    return this.api<MfaAnswer>('POST', '/api/v2/auth/login', { username, password });
  }

  /** Registers a passkey for the signed-in user; answers the 201 body. */
  async registerPasskey(name = 'Test laptop'): Promise<RegisteredPasskey> {
    const options = await this.api<PublicKeyCredentialCreationOptionsJSON>(
      'POST',
      '/api/v2/me/passkeys/registration/options',
      {},
    );
    if (options.status !== 200) throw new Error(`options: ${options.status} ${JSON.stringify(options.body)}`);
    const response = await this.create(options.body);
    const registered = await this.api<RegisteredPasskey>('POST', '/api/v2/me/passkeys/registration', {
      name,
      response,
    });
    if (registered.status !== 201)
      throw new Error(`register: ${registered.status} ${JSON.stringify(registered.body)}`);
    return registered.body;
  }

  /** A passwordless assertion: options from the server, then the authenticator's answer (not yet sent). */
  async passwordlessAssertion(): Promise<AuthenticationResponseJSON> {
    const options = await this.api<PublicKeyCredentialRequestOptionsJSON>(
      'POST',
      '/api/v2/auth/passkey/options',
      {},
    );
    if (options.status !== 200) throw new Error(`options: ${options.status} ${JSON.stringify(options.body)}`);
    return this.get(options.body);
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}

export interface RegisteredPasskey {
  id: number;
  name: string;
  last_used_at: string | null;
  recovery_codes?: string[];
}

export interface MfaAnswer {
  code?: string;
  challenge: string;
  factors?: string[];
  username?: string;
}
