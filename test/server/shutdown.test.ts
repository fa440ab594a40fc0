// SIGTERM: stop accepting (at once, or after SHUTDOWN_DELAY), finish what is in flight, close the pools, exit 0.
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { spawnServer } from '../helpers/process.js';
import { sharedStoresEnv } from '../helpers/server.js';

describe('graceful shutdown', () => {
  it('drains an in-flight request, then exits 0', async () => {
    const server = await spawnServer(sharedStoresEnv('kwtest:shutdown:'));
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let response = '';
    socket.on('data', (chunk) => (response += chunk.toString()));
    const body = 'token=abc';
    // Headers and half the body: the request is in flight when SIGTERM arrives.
    socket.write(
      `POST /oauth2/introspect HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\ntoken`,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const exited = server.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // New connections are refused while the old one drains.
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    socket.write('=abc');
    const finished = Date.now();
    expect(await exited).toBe(0);
    // Well inside SHUTDOWN_TIMEOUT (10 s): the drained keep-alive connection did not hold it.
    expect(Date.now() - finished).toBeLessThan(3000);
    expect(response).toMatch(/^HTTP\/1\.1 401/);
    expect(server.output()).toContain('"msg":"stopped"');
  });

  it('with SHUTDOWN_DELAY, fails /readyz at once but keeps serving new connections, with connection: close, for the delay', async () => {
    const server = await spawnServer({ ...sharedStoresEnv('kwtest:shutdown-delay:'), SHUTDOWN_DELAY: '1' });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const signalled = Date.now();
    const exited = server.stop();
    await new Promise((resolve) => setTimeout(resolve, 200));
    // A balancer still routing here until its next probe reaches a live listener...
    const readiness = await fetch(`${server.url}/readyz`);
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toMatchObject({ error_description: 'shutting down' });
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get('connection')).toBe('close');
    expect(Date.now() - signalled).toBeLessThan(1000);
    // ...and after the delay the listener closes and the process exits cleanly.
    expect(await exited).toBe(0);
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(1000);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});
