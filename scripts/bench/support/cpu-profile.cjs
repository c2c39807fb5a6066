'use strict';
// Preloaded into the chaincode services (NODE_OPTIONS="-r ./scripts/bench/support/cpu-profile.cjs"), it runs V8's
// sampling profiler from the start and writes <CPU_PROFILE_DIR>/chaincode-<MSP id>-<pid>.cpuprofile when the
// service is stopped (SIGTERM or SIGINT), for Chrome DevTools or any .cpuprofile reader. Other Node processes
// that inherit the variable are left alone. `--cpu-prof` cannot be given through NODE_OPTIONS, and writes
// nothing when a signal ends the process.
const path = require('node:path');

if ((process.argv[1] ?? '').includes('fabric-shim') && process.env.CPU_PROFILE_DIR) {
  const inspector = require('node:inspector');
  const fs = require('node:fs');
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  const stop = () =>
    session.post('Profiler.stop', (error, result) => {
      if (!error) {
        const file = path.join(process.env.CPU_PROFILE_DIR, `chaincode-${process.env.CORE_PEER_LOCALMSPID}-${process.pid}.cpuprofile`);
        fs.writeFileSync(file, JSON.stringify(result.profile));
      }
      process.exit(0);
    });
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
