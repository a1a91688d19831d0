/**
 * The repository carries everything its build, demo and tests read, and no test touches the
 * machine's shared services (see tests/repository/README.md).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitGrep, REPO_ROOT } from './repo-root.js';

describe('self-contained', () => {
  it('no file refers to a shared folder beside the repository', () => {
    expect(
      gitGrep(String.raw`\.\./shared|shared/shoprenter`, [
        ':(exclude)tests/repository/src/self-contained.test.ts',
      ]),
    ).toEqual([]);
  });

  it('the ShopRenter material lives in the repository, with its sources', () => {
    const home = join(REPO_ROOT, 'packages/contracts/fixtures/shoprenter');
    for (const file of [
      'SOURCES.md',
      'FACTS.md',
      'fields.json',
      'deliveries/order_confirm.multipart.http',
      'deliveries/newsletter_subscribe.json',
      'api/webhook/response_json_get_id.json',
      'api/order/response_json_get_id.json',
    ]) {
      expect(existsSync(join(home, file)), file).toBe(true);
    }
  });

  it("no script or test stops, restarts or reconfigures the machine's services", () => {
    const lifecycle = String.raw`pg_ctlcluster[^\n]*(stop|restart|reload)|pg_ctl [^\n]*(stop|restart)|redis-cli[^\n]*(shutdown|config set)|rabbitmqctl[^\n]*(stop|reset)|systemctl (stop|restart)|service [a-z-]+ (stop|restart)`;
    // .ci/run may START services that are down; this file names the patterns it forbids.
    expect(
      gitGrep(lifecycle, [
        ':(exclude).ci/run',
        ':(exclude)*.md',
        ':(exclude)tests/repository/src/self-contained.test.ts',
      ]),
    ).toEqual([]);
  });

  it('no leftover of a merge or a patch is committed (*.orig, *.rej, *.BACKUP.*, *.LOCAL.*, *.REMOTE.*, *.BASE.*)', () => {
    const files = execFileSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\n');
    expect(files.filter((file) => /\.(orig|rej)$|\.(BACKUP|LOCAL|REMOTE|BASE)\.[^/]*$/.test(file))).toEqual(
      [],
    );
  });
});
