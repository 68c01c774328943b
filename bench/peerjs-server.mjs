// The baseline: peerjs-server (npm package `peer`) on 127.0.0.1, any free
// port, with its connection limit raised for the benchmark. Prints
// "peerjs listening on PORT" once ready.
import { PeerServer } from 'peer';

const limit = Number(process.env.PEERJS_LIMIT || 30000);
const server = PeerServer({ host: '127.0.0.1', port: 0, path: '/', concurrent_limit: limit, alive_timeout: 600_000 }, (srv) => {
  const address = srv.address();
  console.log(`peerjs listening on ${typeof address === 'object' && address ? address.port : '?'}`);
});
server.on('error', (e) => console.error('peerjs error', e?.message ?? e));
process.on('SIGTERM', () => process.exit(0));
