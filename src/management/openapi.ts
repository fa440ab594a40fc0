// The OpenAPI 3.1 document of /v1, generated from the operations table and their schemas.
import { z } from 'zod';
import * as S from './schemas.js';
import type { Operation } from './operations.js';

const ERROR_STATUSES: Record<string, string> = {
  '400': 'Invalid request: `param` names the field at fault.',
  '401': 'Missing or invalid credential (`WWW-Authenticate: Bearer`).',
  '403': 'Valid credential without the required scope, or from an address not allowed.',
  '404': 'No such object in your organization.',
  '422': 'A scope beyond the plan or beyond the creating credential.',
  '429': 'Too many failed credentials (`Retry-After`).',
};

export function openApiDocument(operations: Operation[], issuer: string): object {
  const error = { description: 'Error', content: { 'application/json': { schema: z.toJSONSchema(S.ErrorObject) } } };
  const paths: Record<string, Record<string, object>> = {};
  for (const op of operations) {
    const parameters = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    if (op.paginated) {
      parameters.push(
        { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 10 } as never },
        { name: 'starting_after', in: 'query', required: false, schema: { type: 'string' } },
      );
    }
    if (op.filters) {
      const schema = z.toJSONSchema(op.filters) as { properties?: Record<string, object & { description?: string }> };
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        parameters.push({ name, in: 'query', required: false, schema: property as never, ...(property.description ? { description: property.description } : {}) } as never);
      }
    }
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      summary: op.summary,
      operationId: `${op.method}${op.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      security: [{ apiKey: [op.scope] }, { bearer: [op.scope] }],
      'x-required-scope': op.scope,
      ...(parameters.length ? { parameters } : {}),
      ...(op.request
        ? { requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(op.request), example: op.requestExample } } } }
        : {}),
      responses: {
        [String(op.status)]: { description: 'OK', content: { 'application/json': { schema: z.toJSONSchema(op.response), example: op.responseExample } } },
        ...Object.fromEntries(Object.entries(ERROR_STATUSES).map(([status, description]) => [status, { ...error, description }])),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Keyward management API', version: '1', description: 'API keys, OAuth apps, members and the audit log of one organization.' },
    servers: [{ url: issuer }],
    components: {
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key or an OAuth access token with management scopes.' },
      },
    },
    paths,
  };
}
