import { describe, expect, it } from 'vitest';
import { validateRedirectUri } from '../../src/clients/validate.js';

describe('validateRedirectUri (checklist A4)', () => {
  it.each(['https://app.example/cb', 'https://app.example/cb?x=1', 'http://127.0.0.1:8080/cb', 'http://localhost/cb', 'http://[::1]:9/cb', 'com.example.app:/oauth'])(
    'accepts %s',
    (uri) => expect(validateRedirectUri(uri)).toBe(uri),
  );

  it.each([
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'data:text/html,hi',
    'https://x/cb#frag',
    'http://public.example/cb',
    'https://user:pass@app.example/cb',
    '/relative/cb',
    'myapp:/cb',
    'file:///etc/passwd',
  ])('refuses %s with invalid_redirect_uri', (uri) => {
    expect(() => validateRedirectUri(uri)).toThrow(expect.objectContaining({ code: 'invalid_redirect_uri' }));
  });
});
