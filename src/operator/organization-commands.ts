// Migrations, organizations, users and memberships.
import type { RegistryServices } from '../compose/registry.js';
import { migrateToLatest } from '../db/migrate.js';
import { KeywardError } from '../lib/errors.js';
import { createOrganization, findOrganization, setOrganizationPlan } from '../organizations/repository.js';
import { addMembership, createUser } from '../users/repository.js';
import { organizationChanged } from '../policy/lookups.js';
import { operator } from './actor.js';
import type { Handlers } from './commands.js';

function checkPlan(services: RegistryServices, plan: string): void {
  const planNames = Object.keys(services.config.plans);
  if (!planNames.includes(plan)) throw new KeywardError('invalid_request', `unknown plan ${JSON.stringify(plan)} (plans: ${planNames.join(', ')})`, 'plan');
}

export const organizationCommands: Handlers<'migrate' | 'org.create' | 'org.set-plan' | 'user.create' | 'member.add'> = {
  migrate: async (services) => {
    const { applied } = await migrateToLatest(services.database.db);
    return { applied };
  },
  'org.create': async (services, command) => {
    checkPlan(services, command.plan);
    const name = command.orgName.trim();
    if (name.length === 0 || name.length > 200) throw new KeywardError('invalid_request', 'name must be 1 to 200 characters', 'name');
    const org = await createOrganization(services.database.db, { name, plan: command.plan });
    return { id: org.id, name: org.name, plan: org.plan };
  },
  'org.set-plan': async (services, command) => {
    checkPlan(services, command.plan);
    if (!(await findOrganization(services.database.db, command.org))) throw new KeywardError('not_found', `no organization ${command.org}`, 'org');
    const org = await setOrganizationPlan(services.database.db, command.org, command.plan);
    // Every replica issues the next token under the new plan.
    await services.feed()?.publish(organizationChanged(org.id));
    return { id: org.id, name: org.name, plan: org.plan };
  },
  'user.create': async (services, command) => {
    // Both writes or neither: a user is never left behind by a bad --org.
    return services.database.db.transaction().execute(async (trx) => {
      const user = await createUser(trx, { email: command.email, password: command.password });
      if (command.org) await addMembership(trx, { userId: user.id, organizationId: command.org, role: command.role });
      return { id: user.id, email: user.email, ...(command.org ? { organization_id: command.org, role: command.role } : {}) };
    });
  },
  'member.add': async (services, command) => {
    return services.members.add(operator(command.org), { email: command.email, role: command.role });
  },
};
