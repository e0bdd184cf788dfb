// The part of node-vagrant 1.5.0 (CommonJS, no types of its own) that vagrant-cli.ts uses.
declare module 'node-vagrant' {
  import type { ChildProcess } from 'node:child_process';
  import type { EventEmitter } from 'node:events';

  type Callback = (err: unknown, out?: string) => void;

  interface Machine extends EventEmitter {
    up(args: string[], cb: Callback): void;
    halt(args: string[], cb: Callback): void;
    destroy(args: string[], cb: Callback): void;
    /** Spawns `vagrant ...command` in the machine's cwd and env; queued LIFO behind a running command. */
    _run(command: string[], cb: Callback): ChildProcess | undefined;
  }

  const nodeVagrant: {
    create(opts: { cwd: string; env: NodeJS.ProcessEnv }): Machine;
  };
  export default nodeVagrant;
}
