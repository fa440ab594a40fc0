// /v1/organization: the caller's own organization, read (organizations:read) and renamed
// (organizations:write). Its plan shows which product scopes keys and apps may hold.
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../db/schema.js';
import { organizationRequired, type Organization } from '../organizations/repository.js';
import { renameOrganization } from '../organizations/rename.js';
import { EXAMPLE_ORGANIZATION_ID, type Operation } from './operation.js';
import * as S from './schemas.js';

function toOrganizationObject(organization: Organization): z.infer<typeof S.OrganizationObject> {
  return { id: organization.id, object: 'organization', name: organization.name, plan: organization.plan, created: organization.created_at.toISOString() };
}

const EXAMPLE_ORGANIZATION = { id: EXAMPLE_ORGANIZATION_ID, object: 'organization', name: 'Acme', plan: 'pro', created: '2026-11-02T09:30:00.000Z' } as const;

export function organizationOperations(db: Kysely<Database>): Operation[] {
  return [
    {
      method: 'get',
      path: '/v1/organization',
      summary: "Retrieve the caller's organization: its name and plan.",
      scope: 'organizations:read',
      status: 200,
      response: S.OrganizationObject,
      responseExample: EXAMPLE_ORGANIZATION,
      async handle({ actor }) {
        return toOrganizationObject(await organizationRequired(db, actor.organizationId));
      },
    },
    {
      method: 'post',
      path: '/v1/organization',
      summary: "Rename the caller's organization (the plan is the operator's to change).",
      scope: 'organizations:write',
      status: 200,
      request: S.RenameOrganization,
      requestExample: { name: 'Acme Inc.' },
      response: S.OrganizationObject,
      responseExample: { ...EXAMPLE_ORGANIZATION, name: 'Acme Inc.' },
      async handle({ actor, body }) {
        return toOrganizationObject(await renameOrganization(db, { organizationId: actor.organizationId, actor: actor.id, name: String(body.name) }));
      },
    },
  ];
}
