// Starting and stopping the local HTTP servers (the edge and the demo page's origin).
import type http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Resolves with the bound port; rejects with the listen error (EADDRINUSE…) instead of throwing later. */
export function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting, and drops idle keep-alive connections so the process can exit. */
export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export function isAddressInUse(error: unknown): boolean {
  return (error as { code?: string }).code === 'EADDRINUSE';
}
