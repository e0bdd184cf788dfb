// `vagrant:NAME` target specs, apart from boxes.ts: telling a spec's kind needs no YAML or schema (node's start for
// `vm exec qemu:…` loads neither).
export const VAGRANT_PREFIX = 'vagrant:';

export function isVagrantSpec(spec: string): boolean {
  return spec.trim().startsWith(VAGRANT_PREFIX);
}
