// Scopes in plain words for the consent page.
const NAMES: Record<string, string> = {
  'api-keys': 'API keys',
  'oauth-clients': 'connected apps',
  members: 'members',
  organizations: 'organization settings',
};

function resourceName(resource: string): string {
  return NAMES[resource] ?? resource.replace(/-/g, ' ');
}

export function describeScope(scope: string): string {
  const [resource = scope, action] = scope.split(':');
  const name = resourceName(resource);
  if (action === 'read') return `View ${name}`;
  if (action === 'write') return `Create, change and delete ${name}`;
  return scope;
}
