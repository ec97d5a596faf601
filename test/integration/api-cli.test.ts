import { describe, expect, it, vi } from 'vitest';
import { tokenCommand } from '../../src/cli/token.js';
import { userCommand } from '../../src/cli/user.js';
import { silentLogger } from '../../src/log/logger.js';
import { createPlatform } from '../../src/platform/platform.js';
import { registerCleanup, testConfig, uniqueName, withKafka } from '../helpers/index.js';
import { compactedTopic } from './support/alerts.js';

/** Runs a command and returns what it printed on stdout. */
async function run(command: typeof userCommand, argv: string[], ctx: Parameters<typeof userCommand.run>[1]): Promise<string> {
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    expect(await command.run(argv, ctx)).toBe(0);
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
  return out.join('');
}

describe('nightjar user and token commands on Kafka', () => {
  it('create a user and a token printed once, list it without the secret, and revoke it by id prefix', async () => {
    const kit = await withKafka();
    const config = testConfig({ topics: { users: await compactedTopic(kit, 'cli-users'), tokens: await compactedTopic(kit, 'cli-tokens') } });
    const ctx = { config, logger: silentLogger() };
    const name = uniqueName('carol');

    expect(await run(userCommand, ['create', name, '--email', 'carol@example.org'], ctx)).toBe(`created user ${name}\n`);
    await expect(userCommand.run(['create', name], ctx)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    const token = (await run(tokenCommand, ['create', '--user', name, '--scopes', 'read', '--expires', '7d'], ctx)).trim();
    expect(token).toMatch(/^nj_[A-Za-z0-9_-]{43}$/);
    await expect(tokenCommand.run(['create', '--user', name, '--scopes', 'admin'], ctx)).rejects.toMatchObject({ code: 'CLI_USAGE' });

    const listed = await run(tokenCommand, ['list', '--user', name], ctx);
    expect(listed).not.toContain(token);
    const [id, prefix, owner, scopes, state] = listed.trim().split('\t');
    expect([prefix, owner, scopes, state]).toEqual([`${token.slice(0, 9)}…`, name, 'read', 'valid']);

    expect(await run(tokenCommand, ['revoke', id!.slice(0, 12)], ctx)).toContain(`revoked ${id}`);
    const platform = createPlatform(kit.kafka, config, silentLogger());
    registerCleanup(() => platform.stop());
    await platform.start();
    expect(platform.tokens.lookup(token)?.revokedAt).not.toBeNull();
    expect(platform.users.get(name)).toMatchObject({ email: 'carol@example.org', admin: false });
  }, 60_000);
});
