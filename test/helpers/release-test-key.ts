// The throwaway release key committed for tests (test/fixtures/release-test-key.INSECURE.pem): its
// private half is public, so a build signed with it proves nothing; the app says "test build".
import { join } from 'node:path';
import { selfSignedRelease, type ReleasePlan } from '../../web/release/release-plan.js';
import { REPO_ROOT } from './paths.js';

export const TEST_RELEASE_KEY = join(REPO_ROOT, 'test', 'fixtures', 'release-test-key.INSECURE.pem');

export function testRelease(): ReleasePlan {
  return selfSignedRelease('test', TEST_RELEASE_KEY);
}
