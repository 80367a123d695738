import type { ZxcvbnFactory } from '@zxcvbn-ts/core';

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;
/** zxcvbn's 0-4 scale; 3 is "safely unguessable: moderate protection from offline slow-hash attacks". */
export const PASSWORD_MIN_SCORE = 3;

/** Words any attacker of this deployment tries first, whoever the user is. */
const SITE_WORDS = ['opsdesk'];

/**
 * zxcvbn-ts with its common (password and diceware lists, keyboard graphs) and English
 * dictionaries: a maintained estimator of how many guesses a password takes, rather
 * than a list of our own. Imported and built on first use, not at load: the
 * dictionaries cost every process (API, worker, CLI) a few hundred milliseconds.
 *
 * It runs on the event loop, and its cost grows with length and l33t variants (a
 * 128-character password with many substitutions took over 2 s). So only the first
 * 64 characters are judged, with at most 5 l33t substitutions: the worst inputs we
 * found then take ~100 ms, and a password whose first 64 characters are strong is
 * strong.
 */
let estimator: Promise<ZxcvbnFactory> | undefined;
const zxcvbn = (): Promise<ZxcvbnFactory> =>
  (estimator ??= (async () => {
    const [{ ZxcvbnFactory: Factory }, common, en] = await Promise.all([
      import('@zxcvbn-ts/core'),
      import('@zxcvbn-ts/language-common'),
      import('@zxcvbn-ts/language-en'),
    ]);
    return new Factory({
      translations: en.translations,
      graphs: common.adjacencyGraphs,
      dictionary: { ...common.dictionary, ...en.dictionary },
      maxLength: 64,
      l33tMaxSubstitutions: 5,
    });
  })());

/**
 * What is wrong with `password` as a new password, in words a person can act on
 * (Django's for length, zxcvbn's feedback for strength); empty when it is acceptable.
 * `userInputs` are the person's own words (username, e-mail, names): a password
 * built from them is guessed first.
 */
export async function passwordProblems(
  password: string,
  userInputs: readonly string[] = [],
): Promise<string[]> {
  if (password.length < PASSWORD_MIN_LENGTH)
    return [`This password is too short. It must contain at least ${PASSWORD_MIN_LENGTH} characters.`];
  if (password.length > PASSWORD_MAX_LENGTH)
    return [`This password is too long. It must contain at most ${PASSWORD_MAX_LENGTH} characters.`];
  const inputs = [...SITE_WORDS, ...userInputs.flatMap(wordsOf)];
  const { score, feedback } = (await zxcvbn()).check(password, inputs);
  if (score >= PASSWORD_MIN_SCORE) return [];
  return [
    ['This password is too easy to guess.', feedback.warning].filter(Boolean).join(' '),
    ...feedback.suggestions,
  ];
}

/** An input also counts by its parts: "ada.lovelace@example.com" gives "ada.lovelace", "ada", "lovelace", "example". */
function wordsOf(input: string): string[] {
  const trimmed = input.trim();
  if (!trimmed) return [];
  const local = trimmed.includes('@') ? [trimmed.slice(0, trimmed.indexOf('@'))] : [];
  return [trimmed, ...local, ...trimmed.split(/[^\p{L}\p{N}]+/u).filter((part) => part.length >= 3)];
}
