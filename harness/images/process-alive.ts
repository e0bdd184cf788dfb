// Whether the process that named a temp dir (.build-…-PID-, .lists-new-PID-) still runs: dirs of dead ones are
// removed by the next build or update.
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
