// A free TCP port on 127.0.0.1 for qemu's hostfwd: bind port 0, read what the kernel chose, close.
// Another process can take it before qemu binds it; QemuTarget retries with a new port then.
import net from 'node:net';

export function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('could not pick a free port on 127.0.0.1'))));
    });
  });
}
