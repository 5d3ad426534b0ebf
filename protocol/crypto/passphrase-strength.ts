// The one rule for a new keystore passphrase, shared by the web app and the `sotto` CLI. A stolen
// keystore file can be attacked offline, so length alone says little ("password1" is long enough and
// guessed at once): zxcvbn-ts estimates the guesses an attacker with common-password lists, keyboard
// patterns, dates and l33t substitutions needs. It is applied when a keystore is created, never to
// unlock one: an existing keystore keeps the passphrase it has.
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';

/**
 * zxcvbn's score 3, "safely unguessable: moderate protection from an offline slow-hash scenario":
 * at least 10^8 guesses, each of which costs the attacker a whole Argon2id derivation here.
 */
export const MIN_PASSPHRASE_GUESSES_LOG10 = 8;

export interface PassphraseStrength {
  readonly acceptable: boolean;
  /** log10 of the estimated guesses. */
  readonly guessesLog10: number;
  /** Why it was refused and what to do, in words a person can act on; '' when acceptable. */
  readonly advice: string;
}

// Built on first use: the dictionaries take ~0.1 s to index, which unlocking never needs.
let estimator: ZxcvbnFactory | undefined;

/** zxcvbn's warning keys, said in words; anything else gets the general advice alone. */
const WARNINGS: Readonly<Record<string, string>> = {
  topTen: 'it is one of the ten most used passwords',
  topHundred: 'it is one of the hundred most used passwords',
  common: 'it is a commonly used password',
  similarToCommon: 'it is close to a commonly used password',
  straightRow: 'it is a row of keys',
  keyPattern: 'it is a keyboard pattern',
  simpleRepeat: 'it repeats characters',
  extendedRepeat: 'it repeats a pattern',
  sequences: 'it is a sequence like abc or 6543',
  recentYears: 'it contains a recent year',
  dates: 'it contains a date',
  wordByItself: 'it is a single word',
  namesByThemselves: 'it is only names',
  commonNames: 'it is a common name',
};

export function passphraseStrength(passphrase: string): PassphraseStrength {
  estimator ??= new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs });
  // zxcvbn's cost grows with length; past 100 characters the guess count is astronomical anyway.
  const result = estimator.check(passphrase.slice(0, 100));
  const acceptable = result.guessesLog10 >= MIN_PASSPHRASE_GUESSES_LOG10;
  const warning = result.feedback.warning === null ? undefined : WARNINGS[result.feedback.warning];
  const advice = acceptable
    ? ''
    : `This passphrase is too easy to guess${warning === undefined ? '' : ` (${warning})`}. ` +
      'Use four or more unrelated words, or a longer sentence only you would write.';
  return { acceptable, guessesLog10: result.guessesLog10, advice };
}
