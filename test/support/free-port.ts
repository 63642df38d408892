import { createServer } from 'node:net';

/**
 * A loopback TCP port that was free a moment ago. The kernel picks it, so concurrent runs on one
 * machine do not collide the way fixed ports would; the small window until the caller binds it
 * is accepted (envtest does the same).
 */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolvePort(port) : reject(new Error('Unable to allocate a port: the kernel returned no address.'))));
    });
  });
}
