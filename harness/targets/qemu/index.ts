export { QemuTarget, type QemuBootOptions, type ProgressFn } from './qemu-target.js';
export { resolveAccel, accelChoiceFromEnv, probeKvm, type Accel, type AccelChoice, type AccelProbeResult } from './accel.js';
export { freeLocalPort } from './port.js';
