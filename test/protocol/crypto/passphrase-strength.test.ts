// The one passphrase rule the web app and the CLI share: guessable ones are refused with advice in
// words, passphrases made of several words pass.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MIN_PASSPHRASE_GUESSES_LOG10, passphraseStrength } from '../../../protocol/crypto/passphrase-strength.js';

test('weak passphrases are refused, with a reason when zxcvbn names one', () => {
  for (const weak of ['a', 'pw', 'password1', 'qwertyuiop', 'letmein123', 'Password2024!', 'hunter2hunter2', '12345678901234']) {
    const strength = passphraseStrength(weak);
    assert.not.ok(strength.acceptable, weak);
    assert.ok(strength.guessesLog10 < MIN_PASSPHRASE_GUESSES_LOG10, weak);
    assert.match(strength.advice, 'too easy to guess', weak);
  }
  assert.match(passphraseStrength('password1').advice, 'commonly used password');
  assert.match(passphraseStrength('zxcvbnm,./').advice, 'row of keys');
});

test('several unrelated words pass, and say nothing', () => {
  for (const good of ['correct horse battery staple', 'cli passphrase', 'temporary passphrase', 'bob hunter2 but longer']) {
    const strength = passphraseStrength(good);
    assert.ok(strength.acceptable, good);
    assert.is(strength.advice, '');
  }
});

test('a very long passphrase is estimated in bounded time', () => {
  const started = performance.now();
  assert.ok(passphraseStrength('x'.repeat(100_000)).guessesLog10 >= 0);
  assert.ok(performance.now() - started < 2000);
});

test.run();
