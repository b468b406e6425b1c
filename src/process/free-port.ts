/** A loopback port for a child process that must be told its port up front. */
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';

/**
 * A port that was free a moment ago: the system picks it for a listener that closes again at
 * once. Someone else may take it before the child binds it; callers that care retry.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}
