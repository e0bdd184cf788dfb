// Dotted version comparison for kernel releases and package versions ("6.1.0-28-cloud-amd64" >= "5.8").

/** Compares the dotted numeric prefixes: kernelAtLeast("6.12.95+deb12-cloud-amd64", "6.4") is true. */
export function kernelAtLeast(release: string, min: string): boolean {
  const nums = (v: string) => (/^[\d.]+/.exec(v)?.[0] ?? '0').split('.').filter((x) => x !== '').map(Number);
  const a = nums(release);
  const b = nums(min);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}
