import { Secret, TOTP } from 'otpauth';
import { PASSWORD, type Browser } from './app.ts';

/** A SECRET_KEY for tests: TOTP seeds are sealed under it. */
export const TEST_SECRET_KEY = 'test-secret-key-for-sealing-totp-seeds-0123456789';

/** The code an authenticator app shows for `secret` at `timestamp` (ms), computed by otpauth as an app would. */
export const totpCode = (secret: string, timestamp: number): string =>
  TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30, timestamp });

/** A clock the app reads and the test moves: codes are computed for it, nothing sleeps. */
export class TestClock {
  constructor(public ms = Date.UTC(2030, 0, 1, 12, 0, 0)) {}

  readonly now = (): Date => new Date(this.ms);

  /** Moves to the next 30-second step, so a new code is not a replay of the last one. */
  nextStep(): number {
    this.ms += 30_000;
    return this.ms;
  }
}

/** Enrols and confirms TOTP for the browser's signed-in user; answers the seed and the recovery codes. */
export async function enrolTotp(
  browser: Browser,
  clock: TestClock,
): Promise<{ secret: string; recoveryCodes: string[] }> {
  const started = await browser.post('/api/v2/me/mfa/totp', { current_password: PASSWORD });
  if (started.statusCode !== 201) throw new Error(`enrol: ${started.statusCode} ${started.body}`);
  const { secret } = started.json<{ secret: string }>();
  const confirmed = await browser.post('/api/v2/me/mfa/totp/confirm', { code: totpCode(secret, clock.ms) });
  if (confirmed.statusCode !== 200) throw new Error(`confirm: ${confirmed.statusCode} ${confirmed.body}`);
  clock.nextStep();
  return { secret, recoveryCodes: confirmed.json<{ recovery_codes: string[] }>().recovery_codes };
}
