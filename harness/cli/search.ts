import type { Command } from 'commander';

// Placeholder until the 'search' commands land.
export function register(_program: Command): void {}
