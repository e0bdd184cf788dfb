import type { Command } from 'commander';

// Placeholder until the 'run' commands land.
export function register(_program: Command): void {}
