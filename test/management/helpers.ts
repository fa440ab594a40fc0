import type { TestServer } from '../helpers/server.js';

export interface ApiResponse {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
  text: string;
}

export async function api(
  server: TestServer,
  method: string,
  path: string,
  credential?: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResponse> {
  const res = await fetch(new URL(path, server.url), {
    method,
    headers: {
      ...(credential ? { 'x-api-key': credential } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { raw: text };
  }
  return { status: res.status, body: parsed, headers: res.headers, text };
}

/** A key made by the operator (as the CLI would). */
export async function operatorKey(server: TestServer, org: string, scopes: string[], extra: Record<string, unknown> = {}) {
  const { record, key } = await server.services.keys.create({ organizationId: org, id: 'test', grantor: { kind: 'operator' } }, { name: 'fixture', scopes, ...extra });
  return { id: record.id, key };
}
