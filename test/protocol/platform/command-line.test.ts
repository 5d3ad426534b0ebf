// The project's one argument parser: strict, with one short wording for every mistake.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { expectPositionals, parseCommandLine, UsageError } from '../../../protocol/platform/command-line.js';

const OPTIONS = { relay: { type: 'string' }, quick: { type: 'boolean' } } as const;

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.instance(error, UsageError);
    return (error as UsageError).message;
  }
  return 'accepted';
}

test('values, both spellings, switches and their --no- form, positionals in order', () => {
  const { values, positionals } = parseCommandLine(['send', '--relay=http://a', 'room', '--quick', 'hi'], OPTIONS);
  assert.equal(positionals, ['send', 'room', 'hi']);
  assert.is(values.relay, 'http://a');
  assert.is(values.quick, true);
  assert.is(parseCommandLine(['--relay', 'x', '--no-quick'], OPTIONS).values.quick, false);
});

test('mistakes are UsageErrors in plain words', () => {
  assert.is(refusal(() => parseCommandLine(['--relay-key', 'k'], OPTIONS)), 'unknown option --relay-key (try --help)');
  assert.is(refusal(() => parseCommandLine(['-x'], OPTIONS)), 'unknown option -x (try --help)');
  assert.is(refusal(() => parseCommandLine(['--relay'], OPTIONS)), '--relay needs a value (try --help)');
  assert.is(refusal(() => parseCommandLine(['--quick=yes'], OPTIONS)), '--quick takes no value (try --help)');
  assert.is(refusal(() => expectPositionals(['send', 'a', 'b', 'c'], 3, 3, 'sotto send ROOM TEXT')), 'unexpected argument "c" (sotto send ROOM TEXT)');
  assert.is(refusal(() => expectPositionals(['send'], 3, 3, 'sotto send ROOM TEXT')), 'missing argument (sotto send ROOM TEXT)');
});

test.run();
