// The image recipe vagrant:debian12-local's box is made from (local-box.ts builds the box from it): a recipe of
// vms/qemu that is no qemu: target. Apart from local-box.ts, which loads the image builder, so that scenario loading
// (applicability.ts) can tell the qemu: targets from the recipes.
export const LOCAL_BOX_IMAGE = 'debian12-vagrant-amd64';
