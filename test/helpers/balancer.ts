// A TCP round-robin balancer that behaves like a Kubernetes Service in front of Keyward pods:
// each new connection goes to the next backend whose last /readyz probe answered 200; a
// connection stays with its backend until either side closes it; no retries, no stickiness.
// It remembers which backend each client connection (by the client's local port) went to, so
// a test can say which replica a failed request was talking to.
import { get } from 'node:http';
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface Backend {
  name: string;
  port: number;
  /** The last probe's verdict; false until the first probe answers 200. */
  ready: boolean;
  /** When the test sent SIGTERM (Date.now()). */
  terminatedAt?: number;
  /** When the backend was first seen ready. */
  readyAt?: number;
  connections: number;
  probing: boolean;
}

export interface Route {
  backend: Backend;
  /** The balancer reached the backend (false: the backend refused a new connection). */
  connected: boolean;
}

export interface Balancer {
  port: number;
  backends: Backend[];
  add(name: string, port: number): Backend;
  remove(backend: Backend): void;
  /** Where the client connection from this local port was sent. */
  routeOf(clientPort: number): Route | undefined;
  /** Connections refused because no backend was ready. */
  noBackend: number;
  close(): Promise<void>;
}

export async function startBalancer(port: number, probeMs: number): Promise<Balancer> {
  const backends: Backend[] = [];
  const routes = new Map<number, Route>();
  const sockets = new Set<Socket>();
  let turn = 0;

  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {}); // a reset client; its upstream is closed below
    const ready = backends.filter((b) => b.ready);
    if (ready.length === 0) {
      lb.noBackend++;
      client.resetAndDestroy();
      return;
    }
    const backend = ready[turn++ % ready.length]!;
    backend.connections++;
    const route: Route = { backend, connected: false };
    routes.set(client.remotePort!, route);
    const up = connect(backend.port, '127.0.0.1');
    client.on('error', () => up.destroy());
    sockets.add(up);
    up.on('close', () => sockets.delete(up));
    up.on('connect', () => (route.connected = true));
    // A reset or refusal upstream reaches the client as a reset, as through kube-proxy.
    up.on('error', () => client.resetAndDestroy());
    client.pipe(up);
    up.pipe(client);
  });

  // One probe per backend at a time, each bounded like a kubelet probe (timeoutSeconds: 1).
  const probe = (backend: Backend) => {
    if (backend.probing) return;
    backend.probing = true;
    const done = (ok: boolean) => {
      if (!backend.probing) return;
      backend.probing = false;
      backend.ready = ok;
      if (ok) backend.readyAt ??= Date.now();
    };
    const req = get({ host: '127.0.0.1', port: backend.port, path: '/readyz', agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode === 200));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(false));
  };
  const prober = setInterval(() => backends.forEach(probe), probeMs);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });

  const lb: Balancer = {
    port,
    backends,
    noBackend: 0,
    add(name, backendPort) {
      const backend: Backend = { name, port: backendPort, ready: false, connections: 0, probing: false };
      backends.push(backend);
      probe(backend);
      return backend;
    },
    remove(backend) {
      backends.splice(backends.indexOf(backend), 1);
    },
    routeOf: (clientPort) => routes.get(clientPort),
    async close() {
      clearInterval(prober);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return lb;
}
