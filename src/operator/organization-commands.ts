// Migrations and organizations.
import type { RegistryServices } from '../compose/registry.js';
import { migrateToLatest } from '../db/migrate.js';
import { KeywardError } from '../lib/errors.js';
import { createOrganization, listOrganizations, organizationName, organizationRequired, setOrganizationPlan } from '../organizations/repository.js';
import { organizationChanged } from '../policy/lookups.js';
import type { Handlers } from './commands.js';

function checkPlan(services: RegistryServices, plan: string): void {
  const planNames = Object.keys(services.config.plans);
  if (!planNames.includes(plan)) throw new KeywardError('invalid_request', `unknown plan ${JSON.stringify(plan)} (plans: ${planNames.join(', ')})`, 'plan');
}

export const organizationCommands: Handlers<'migrate' | 'org.create' | 'org.set-plan' | 'org.list'> = {
  migrate: async (services) => {
    const { applied } = await migrateToLatest(services.database.db);
    return { applied };
  },
  'org.create': async (services, command) => {
    checkPlan(services, command.plan);
    const name = organizationName(command.orgName);
    const org = await createOrganization(services.database.db, { name, plan: command.plan });
    return { id: org.id, name: org.name, plan: org.plan };
  },
  'org.set-plan': async (services, command) => {
    checkPlan(services, command.plan);
    await organizationRequired(services.database.db, command.org);
    const org = await setOrganizationPlan(services.database.db, command.org, command.plan);
    // Every replica issues the next token under the new plan.
    await services.feed()?.publish(organizationChanged(org.id));
    return { id: org.id, name: org.name, plan: org.plan };
  },
  'org.list': async (services) => {
    const organizations = await listOrganizations(services.database.db);
    return { object: 'list', data: organizations.map((o) => ({ id: o.id, name: o.name, plan: o.plan, created: o.created_at.toISOString() })) };
  },
};
