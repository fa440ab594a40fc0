// People: accounts, their passwords and sign-in lockouts, and their memberships.
import { KeywardError } from '../lib/errors.js';
import { organizationRequired } from '../organizations/repository.js';
import { addMembership, createUser, findUserByEmail, listMembers, normaliseEmail, setPassword, unlockLogin } from '../users/repository.js';
import { operator } from './actor.js';
import type { Handlers } from './commands.js';

export const userCommands: Handlers<'user.create' | 'user.list' | 'user.set-password' | 'user.unlock' | 'member.add' | 'member.remove'> = {
  'user.create': async (services, command) => {
    // Both writes or neither: a user is never left behind by a bad --org.
    return services.database.db.transaction().execute(async (trx) => {
      const user = await createUser(trx, { email: command.email, password: command.password });
      if (command.org) await addMembership(trx, { userId: user.id, organizationId: command.org, role: command.role });
      return { id: user.id, email: user.email, ...(command.org ? { organization_id: command.org, role: command.role } : {}) };
    });
  },
  'user.list': async (services, command) => {
    await organizationRequired(services.database.db, command.org);
    const members = await listMembers(services.database.db, command.org);
    return { object: 'list', data: members.map((m) => ({ id: m.user_id, email: m.email, role: m.role, member_since: m.created_at.toISOString() })) };
  },
  'user.set-password': async (services, command) => {
    const user = await setPassword(services.database.db, command.email, command.password);
    return { id: user.id, email: user.email, password: 'changed' };
  },
  'user.unlock': async (services, command) => {
    const user = await unlockLogin(services.database.db, command.email);
    return { id: user.id, email: user.email, sign_in: 'unlocked' };
  },
  'member.add': async (services, command) => {
    return services.members.add(operator(command.org), { email: command.email, role: command.role });
  },
  'member.remove': async (services, command) => {
    await organizationRequired(services.database.db, command.org);
    const user = await findUserByEmail(services.database.db, normaliseEmail(command.email));
    if (!user) throw new KeywardError('not_found', `no user with email ${command.email}`, 'email');
    // Through the member service: the removal reaches every replica and the audit log.
    await services.members.remove(operator(command.org), user.id);
    return { organization_id: command.org, user_id: user.id, email: user.email, removed: true };
  },
};
