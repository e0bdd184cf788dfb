// vagrant:NAME targets: boxes of vms/vagrant/boxes.yaml through the top-level Vagrantfile.
export { VagrantTarget, type VagrantBootOptions } from './vagrant-target.js';
export { boxForSpec, loadBoxes, parseBoxes, type BoxEntry } from './boxes.js';
export { isVagrantSpec, VAGRANT_PREFIX } from './spec.js';
