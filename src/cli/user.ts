import { parseArgs } from 'node:util';
import { NightjarError } from '../errors/index.js';
import type { Command } from './main.js';
import { withPlatform } from './platform-session.js';

export { ensureFirstAdmin } from '../platform/bootstrap.js';

const usage = `user create NAME [--admin] [--email E]
       nightjar user list`;

/** `nightjar user ...`: users on the running broker's users topic (no API token needed: broker access is the credential). */
export const userCommand: Command = {
  name: 'user',
  usage: 'user create|list ...',
  summary: 'create and list users on a running broker',
  async run(argv, { config, logger }) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { admin: { type: 'boolean', default: false }, email: { type: 'string' } } });
    const [action, name, ...extra] = positionals;
    if (action === 'create' && name && extra.length === 0) {
      const user = await withPlatform(config, logger, (p) => p.users.create({ name, email: values.email ?? null, admin: values.admin }));
      process.stdout.write(`created user ${user.name}${user.admin ? ' (administrator)' : ''}\n`);
      return 0;
    }
    if (action === 'list' && !name) {
      const users = await withPlatform(config, logger, async (p) => p.users.list());
      for (const u of users) process.stdout.write(`${u.name}\t${u.admin ? 'admin' : 'user'}\t${u.disabled ? 'disabled' : 'enabled'}\t${u.email ?? ''}\t${u.createdAt}\n`);
      return 0;
    }
    throw new NightjarError('CLI_USAGE', `usage: nightjar ${usage}`);
  },
};
