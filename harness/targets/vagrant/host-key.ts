// Trust on first use: the host key the guest presents on the first connection, as an OpenSSH public-key line,
// which SshTransport then pins for every later connection (a changed key is a HostKeyMismatchError).
import { Client } from 'ssh2';
import { TargetError } from '../target.js';

export function firstHostKey(o: { target: string; host: string; port: number; username: string; privateKey: Buffer; readyTimeoutMs?: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let key: Buffer | undefined;
    const done = (err?: Error) => {
      client.removeAllListeners();
      client.on('error', () => undefined);
      client.end();
      if (key) {
        // The blob starts with the key type as an SSH string.
        const type = key.subarray(4, 4 + key.readUInt32BE(0)).toString('latin1');
        resolve(`${type} ${key.toString('base64')}`);
      } else reject(new TargetError(o.target, `ssh to ${o.host}:${o.port} presented no host key${err ? `: ${err.message}` : ''}`));
    };
    client.once('ready', () => done());
    client.once('error', (e) => done(e));
    client.once('close', () => done());
    client.connect({
      host: o.host, port: o.port, username: o.username, privateKey: o.privateKey, readyTimeout: o.readyTimeoutMs ?? 60_000,
      hostVerifier: (k: Buffer) => {
        key = Buffer.from(k);
        return true;
      },
    });
  });
}
