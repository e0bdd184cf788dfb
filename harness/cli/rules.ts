import type { Command } from 'commander';

// Placeholder until the 'rules' commands land.
export function register(_program: Command): void {}
