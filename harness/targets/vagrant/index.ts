// vagrant:NAME targets: boxes of vms/vagrant/boxes.yaml through the top-level Vagrantfile.
export { VagrantTarget, type VagrantBootOptions } from './vagrant-target.js';
export { boxForSpec, isVagrantSpec, loadBoxes, parseBoxes, VAGRANT_PREFIX, type BoxEntry } from './boxes.js';
