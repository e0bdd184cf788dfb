import type { Command } from 'commander';

// Placeholder until the 'vm' commands land.
export function register(_program: Command): void {}
