import { describe, expect, it } from 'vitest';
import { passwordProblems } from './password-strength.ts';

describe('passwordProblems', () => {
  it('accepts a long password made of uncommon words', async () => {
    expect(await passwordProblems('violet-kettle-harbour', ['ada', 'ada@example.test'])).toEqual([]);
  });

  it('refuses fewer than 12 and more than 128 characters, in Django words', async () => {
    expect(await passwordProblems('Xq7#pL9!vR2')).toEqual([
      'This password is too short. It must contain at least 12 characters.',
    ]);
    expect(await passwordProblems('x'.repeat(129))).toEqual([
      'This password is too long. It must contain at most 128 characters.',
    ]);
    expect(await passwordProblems(`${'violet-kettle-harbour-'.repeat(5)}12345`.slice(0, 128))).toEqual([]);
  });

  it('refuses common passwords of any length with zxcvbn feedback', async () => {
    const problems = await passwordProblems('password1234');
    expect(problems[0]).toBe(
      'This password is too easy to guess. This is similar to a commonly used password.',
    );
    expect(problems.length).toBeGreaterThan(1);
    expect(await passwordProblems('qwertyuiop1234')).not.toEqual([]);
    expect(await passwordProblems('aaaaaaaaaaaaaaaa')).not.toEqual([]);
  });

  it("refuses a password built from the person's own username, e-mail or name", async () => {
    const password = 'grimsby.hollowell';
    expect(await passwordProblems(password)).toEqual([]);
    expect(await passwordProblems(password, ['grimsby.hollowell'])).not.toEqual([]);
    expect(await passwordProblems(password, ['grimsby.hollowell@example.test'])).not.toEqual([]);
    const [problem] = await passwordProblems('hollowellgrimsby', [
      '',
      'x@example.test',
      'Grimsby',
      'Hollowell',
    ]);
    expect(problem).toMatch(/personal/);
  });

  it('refuses the product name as a word of its own', async () => {
    expect(await passwordProblems('opsdesk-demo')).not.toEqual([]);
  });

  it('judges a worst-case 128-character password in bounded time', async () => {
    const started = performance.now();
    for (const password of ['p@ssw0rd'.repeat(16), '4@3!1|0$5$7+'.repeat(11), 'aB3$'.repeat(32)])
      await passwordProblems(password);
    // Measured ~100 ms each on a loaded two-core machine; unbounded, these took 1-3 s.
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});
