import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

/**
 * dynalite in a process of its own, for the load run: the functions' event loop and the store's
 * then run on separate cores, as Lambda and DynamoDB do. Tells its parent the port, then serves
 * until the parent disconnects.
 */
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => {
  server.close();
  process.exit(0);
});
