/*
 * Preloaded into the operator or a sim with NODE_OPTIONS=--require (node refuses --cpu-prof there):
 * profiles the whole process through the in-process inspector and writes
 * <$QUIDDITCH_CPU_PROFILE_ROLE>-<pid>.cpuprofile into $QUIDDITCH_CPU_PROFILE_DIR on exit. The
 * in-process session answers synchronously, so this works inside an 'exit' handler. SIGKILL leaves no profile.
 */
const inspector = require('node:inspector');
const fs = require('node:fs');
const path = require('node:path');

const dir = process.env.QUIDDITCH_CPU_PROFILE_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  process.on('exit', () => {
    session.post('Profiler.stop', (err, res) => {
      if (err) return;
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `${process.env.QUIDDITCH_CPU_PROFILE_ROLE || 'operator'}-${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  });
}
