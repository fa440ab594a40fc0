// One operation of the management API, as the router and the OpenAPI document read it.
import type { z } from 'zod';
import type { Actor } from '../api-keys/service.js';

export interface OperationInput {
  actor: Actor;
  params: Record<string, string>;
  // The request schema has validated it; each handler reads the fields it declared.
  body: Record<string, unknown>;
  page: { limit: number; startingAfter?: string | undefined };
  /** The query parameters `filters` declared, validated. */
  filters: Record<string, unknown>;
}

export interface Operation {
  method: 'get' | 'post' | 'delete';
  /** OpenAPI form: /v1/api-keys/{id}. */
  path: string;
  summary: string;
  scope: string;
  status: 200 | 201;
  paginated?: boolean;
  /** Query parameters beside the page's (`limit`, `starting_after`). */
  filters?: z.ZodObject;
  request?: z.ZodType;
  requestExample?: unknown;
  response: z.ZodType;
  responseExample: unknown;
  handle(input: OperationInput): Promise<unknown>;
}

export const EXAMPLE_ORGANIZATION_ID = 'org_37kFLXkYzLfhJArP1ejB';

export function list<T>(data: T[], hasMore: boolean) {
  return { object: 'list' as const, data, has_more: hasMore };
}
