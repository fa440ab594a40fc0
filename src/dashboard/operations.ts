// The dashboard changes nothing itself: every action runs the management API's operation
// (management/*-operations.ts), with the same scope check, the same request schema and the same
// services, as the signed-in person (a user grantor with their role in the organization).
// Nothing /v1 refuses is possible here.
import { KeywardError } from '../lib/errors.js';
import type { Actor } from '../api-keys/service.js';
import { grantorHolds } from '../policy/grantor.js';
import { schemaError } from '../http/json-body.js';
import { unstorablePath } from '../db/nul-characters.js';
import type { Operation } from '../management/operations.js';

export interface OperationCall {
  params?: Record<string, string>;
  body?: Record<string, unknown>;
  page?: { limit: number; startingAfter?: string | undefined };
  filters?: Record<string, unknown>;
}

export function operationRunner(operations: Operation[]) {
  const byRoute = new Map(operations.map((operation) => [`${operation.method} ${operation.path}`, operation]));
  const find = (route: string) => {
    const operation = byRoute.get(route);
    if (!operation) throw new TypeError(`no management operation ${route}`);
    return operation;
  };
  return {
    /** Whether the actor holds the operation's scope (a page hides what it may not do). */
    may(actor: Actor, route: string): boolean {
      return grantorHolds(actor.grantor, find(route).scope);
    },

    async run(actor: Actor, route: string, call: OperationCall = {}): Promise<Record<string, unknown>> {
      const operation = find(route);
      // As /v1 refuses a NUL at its edge (management/router.ts): Postgres cannot store one.
      const nul = unstorablePath({ ...call.params, ...call.body, ...call.page, ...call.filters });
      if (nul) throw new KeywardError('invalid_request', `${nul} must not contain a NUL character`, nul);
      if (!grantorHolds(actor.grantor, operation.scope)) {
        throw new KeywardError('insufficient_scope', `this requires the ${operation.scope} scope`, undefined, { scope: operation.scope });
      }
      let body: Record<string, unknown> = {};
      if (operation.request) {
        const parsed = operation.request.safeParse(call.body ?? {});
        if (!parsed.success) throw schemaError(parsed.error);
        body = parsed.data as Record<string, unknown>;
      }
      return (await operation.handle({ actor, params: call.params ?? {}, body, page: call.page ?? { limit: 100 }, filters: call.filters ?? {} })) as Record<string, unknown>;
    },
  };
}

export type OperationRunner = ReturnType<typeof operationRunner>;
