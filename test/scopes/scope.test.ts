import { describe, expect, it } from 'vitest';
import { expandScopes, normaliseScope, normaliseScopes, scopeGrants, ScopeSyntaxError } from '../../src/scopes/scope.js';
import { DEFAULT_RESOURCES } from '../../src/scopes/catalog.js';

const vocabulary = { resources: DEFAULT_RESOURCES };

describe('normaliseScope', () => {
  it.each([
    ['clients:read', 'clients:read'],
    ['read:clients', 'clients:read'],
    ['clients.read', 'clients:read'],
    ['write:time-entries', 'time-entries:write'],
    ['clients:*', 'clients:*'],
    ['clients.*', 'clients:*'],
    ['*:clients', 'clients:*'],
    ['*', '*'],
    ['api-keys:write', 'api-keys:write'],
    ['  invoices:read ', 'invoices:read'],
  ])('reads %s as %s', (raw, canonical) => {
    expect(normaliseScope(raw, vocabulary)).toBe(canonical);
  });

  it.each(['clients', 'clients:', ':read', 'clients:read:x', 'widgets:read', 'clients:admin', 'clients:create', 'client.read'])(
    'refuses %s',
    (raw) => expect(() => normaliseScope(raw, vocabulary)).toThrow(ScopeSyntaxError),
  );

  it('points create/update/delete at write', () => {
    expect(() => normaliseScope('clients.delete', vocabulary)).toThrow(/grant "clients:write"/);
  });

  it('normalises a list, dropping duplicates of any spelling', () => {
    expect(normaliseScopes('clients:read read:clients clients.read invoices:*', vocabulary)).toEqual(['clients:read', 'invoices:*']);
  });
});

describe('expandScopes', () => {
  it('expands * to product scopes only and resource wildcards to both actions', () => {
    const all = expandScopes(['*'], vocabulary);
    expect(all).toHaveLength(30);
    expect(all).not.toContain('api-keys:read');
    expect(expandScopes(['api-keys:*'], vocabulary)).toEqual(['api-keys:read', 'api-keys:write']);
  });
});

describe('scopeGrants', () => {
  it('honours wildcards, and write covers create, update and delete but not read', () => {
    expect(scopeGrants(['*'], 'invoices:read')).toBe(true);
    expect(scopeGrants(['invoices:*'], 'invoices:delete')).toBe(true);
    expect(scopeGrants(['invoices:write'], 'invoices:create')).toBe(true);
    expect(scopeGrants(['invoices:write'], 'invoices:update')).toBe(true);
    expect(scopeGrants(['invoices:write'], 'invoices:read')).toBe(false);
    expect(scopeGrants(['clients:*'], 'invoices:read')).toBe(false);
  });

  it('never lets * reach management scopes', () => {
    expect(scopeGrants(['*'], 'api-keys:write')).toBe(false);
    expect(scopeGrants(['api-keys:*'], 'api-keys:write')).toBe(true);
  });
});
