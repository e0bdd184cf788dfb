// Process-wide registry of things that must not outlive the harness (qemu VMs, their temp dirs).
// Every entry is torn down synchronously on 'exit', and on SIGINT/SIGTERM before the process exits
// with 130/143, so Ctrl-C or a killed CI job never leaves a VM running.
import process from 'node:process';

type SyncCleanup = () => void;

const entries = new Map<number, SyncCleanup>();
let nextId = 1;
let installed = false;

function runAll(): void {
  for (const [id, fn] of [...entries]) {
    entries.delete(id);
    try {
      fn();
    } catch {
      // best effort: the other entries must still run
    }
  }
}

const onSignal = (signal: NodeJS.Signals) => {
  runAll();
  uninstall();
  // Exit as the signal would have: 128 + signal number.
  process.exit(signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 129);
};

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off('exit', runAll);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('SIGHUP', onSignal);
}

/**
 * Registers a synchronous cleanup (kill a pid, rmSync a dir). Returns the function that
 * unregisters it once the owner cleaned up by itself. Signal handlers are installed only while
 * something is registered, so an idle process keeps Node's default signal behaviour.
 */
export function registerCleanup(fn: SyncCleanup): () => void {
  const id = nextId++;
  entries.set(id, fn);
  install();
  return () => {
    entries.delete(id);
    if (entries.size === 0) uninstall();
  };
}

/** How many cleanups are pending (for tests). */
export function pendingCleanups(): number {
  return entries.size;
}
