import { NightjarError } from '../errors/index.js';
import { checkName } from '../filter/model.js';
import type { KeyedState } from './state.js';

/** A user as stored on the compacted users topic, keyed by name. */
export interface UserRecord {
  /** Also the suffix of the user's match topic (`nightjar.user.<name>`), so it keeps to topic-safe characters. */
  name: string;
  email: string | null;
  admin: boolean;
  createdAt: string;
  /** A disabled user's tokens are refused. */
  disabled: boolean;
}

export function parseUserRecord(value: unknown, key: string): UserRecord {
  const r = value as Partial<UserRecord>;
  if (typeof r !== 'object' || r === null) throw new Error('not an object');
  if (r.name !== key) throw new Error(`name ${String(r.name)} does not match key ${key}`);
  if (typeof r.admin !== 'boolean' || typeof r.disabled !== 'boolean') throw new Error('admin or disabled not a boolean');
  return r as UserRecord;
}

const emailPattern = /^[^\s@]+@[^\s@]+$/;

export class UserStore {
  constructor(
    readonly state: KeyedState<UserRecord>,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  start(): Promise<void> {
    return this.state.start();
  }

  stop(): Promise<void> {
    return this.state.stop();
  }

  get(name: string): UserRecord | undefined {
    return this.state.get(name);
  }

  list(): UserRecord[] {
    return this.state.values().sort((a, b) => a.name.localeCompare(b.name));
  }

  hasAdmin(): boolean {
    return this.state.values().some((u) => u.admin && !u.disabled);
  }

  async create(fields: { name: string; email?: string | null; admin?: boolean }): Promise<UserRecord> {
    const problem = checkName('owner', fields.name);
    if (problem) throw new NightjarError('REQUEST_INVALID', problem.replace('owner', 'user name'));
    if (fields.email && !emailPattern.test(fields.email)) throw new NightjarError('REQUEST_INVALID', `"${fields.email}" is not an e-mail address`);
    if (this.get(fields.name)) throw new NightjarError('ALREADY_EXISTS', `user ${fields.name} already exists`);
    const record: UserRecord = { name: fields.name, email: fields.email ?? null, admin: fields.admin ?? false, createdAt: this.clock().toISOString(), disabled: false };
    await this.state.publish(record.name, record);
    return record;
  }

  async setDisabled(name: string, disabled: boolean): Promise<UserRecord> {
    const user = this.get(name);
    if (!user) throw new NightjarError('NOT_FOUND', `no user ${name}`);
    const record = { ...user, disabled };
    await this.state.publish(name, record);
    return record;
  }
}
