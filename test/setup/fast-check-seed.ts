// Loaded by ava before every test file (package.json ava.require). With FAST_CHECK_SEED set, every
// fast-check property starts from that seed: .ci/run sets one so that the landing gate is
// reproducible run to run; `npm test` without it explores new seeds (a failure prints its seed and path).
import fc from 'fast-check';

const seed = process.env.FAST_CHECK_SEED;
if (seed !== undefined && seed !== '') {
  if (!/^-?\d+$/.test(seed)) throw new Error(`FAST_CHECK_SEED must be an integer, got ${JSON.stringify(seed)}`);
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: Number(seed) });
}
