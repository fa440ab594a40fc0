// The management API as a table of operations: path, method, required scope, request and
// response schemas with examples, and the handler. The router and the OpenAPI document are
// both built from this table. Handlers only translate: every rule lives in the services they
// call, which the CLI shares (api-keys/, clients/, members/ service.ts).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { KeyService } from '../api-keys/service.js';
import type { ClientService } from '../clients/service.js';
import type { MemberService } from '../members/service.js';
import { apiKeyOperations } from './api-key-operations.js';
import { clientOperations } from './client-operations.js';
import { memberOperations } from './member-operations.js';
import { auditOperations } from './audit-operations.js';
import { organizationOperations } from './organization-operations.js';
import type { Operation } from './operation.js';

export type { Operation, OperationInput } from './operation.js';

export interface OperationDeps {
  db: Kysely<Database>;
  keys: KeyService;
  clients: ClientService;
  members: MemberService;
}

export function managementOperations(deps: OperationDeps): Operation[] {
  return [...apiKeyOperations(deps.db, deps.keys), ...clientOperations(deps.clients), ...memberOperations(deps.members), ...auditOperations(deps.db), ...organizationOperations(deps.db)];
}
