import { parseArgs } from 'node:util';
import { NightjarError } from '../errors/index.js';
import { parseDuration } from '../platform/duration.js';
import type { Platform } from '../platform/platform.js';
import { parseScopes } from '../platform/scopes.js';
import { tokenProblem, type TokenRecord } from '../platform/tokens.js';
import type { Command } from './main.js';
import { withPlatform } from './platform-session.js';

const usage = `token create --user NAME [--scopes read,write] [--expires 30d|never] [--name LABEL]
       nightjar token list [--user NAME]
       nightjar token revoke ID`;

/** `nightjar token ...`: issue (the secret is printed once, on stdout), list and revoke API tokens. */
export const tokenCommand: Command = {
  name: 'token',
  usage: 'token create|list|revoke ...',
  summary: 'create (printed once), list and revoke API tokens on a running broker',
  async run(argv, { config, logger }) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { user: { type: 'string' }, scopes: { type: 'string', default: 'read,write' }, expires: { type: 'string', default: '90d' }, name: { type: 'string' } },
    });
    const [action, id, ...extra] = positionals;
    if (action === 'create' && values.user && !id) {
      const user = values.user;
      const scopes = parseScopes(values.scopes!);
      const lifetimeMs = parseDuration(values.expires!);
      const { token, record } = await withPlatform(config, logger, async (p) => {
        const owner = p.users.get(user);
        if (!owner) throw new NightjarError('NOT_FOUND', `no user ${user}; create it with: nightjar user create ${user}`);
        if (scopes.includes('admin') && !owner.admin) throw new NightjarError('CLI_USAGE', `user ${user} is not an administrator, so cannot hold the admin scope`);
        return p.tokens.issue({ owner: user, scopes, lifetimeMs, name: values.name, createdBy: 'nightjar token create' });
      });
      process.stderr.write(`token ${record.id} for ${record.owner} (${record.scopes.join(',')}), expires ${record.expiresAt ?? 'never'}; it is shown only now:\n`);
      process.stdout.write(`${token}\n`);
      return 0;
    }
    if (action === 'list' && !id) {
      const tokens = await withPlatform(config, logger, async (p) => (values.user ? p.tokens.ownedBy(values.user) : p.tokens.all()));
      const now = new Date();
      for (const t of tokens) process.stdout.write(`${t.id}\t${t.prefix}…\t${t.owner}\t${t.scopes.join(',')}\t${tokenProblem(t, now) ?? 'valid'}\t${t.expiresAt ?? 'never'}\t${t.name}\n`);
      return 0;
    }
    if (action === 'revoke' && id && extra.length === 0) {
      const revoked = await withPlatform(config, logger, (p) => p.tokens.revoke(resolveId(p, id).id));
      process.stdout.write(`revoked ${revoked.id} (${revoked.prefix}…, ${revoked.owner}) at ${revoked.revokedAt}\n`);
      return 0;
    }
    throw new NightjarError('CLI_USAGE', `usage: nightjar ${usage}`);
  },
};

/** A token by its full id or a unique beginning of it (at least 8 characters), as `token list` shows. */
function resolveId(platform: Platform, id: string): TokenRecord {
  const exact = platform.tokens.get(id);
  if (exact) return exact;
  const matches = id.length >= 8 ? platform.tokens.all().filter((t) => t.id.startsWith(id)) : [];
  if (matches.length === 1) return matches[0]!;
  throw new NightjarError('NOT_FOUND', matches.length > 1 ? `${matches.length} tokens start with ${id}; give more of the id` : `no token ${id}`);
}
