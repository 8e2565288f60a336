#!/bin/sh
':' //; young=; for a; do case $a in --router|--router=*) young=--min-semi-space-size=16;; esac; done; [ -z "$NODE_EXTRA_CA_CERTS" ] || { PS_RUN_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS; export PS_RUN_EXTRA_CA_CERTS; unset NODE_EXTRA_CA_CERTS; }; exec node $young "$0" "$@"
// Launcher. Run as a command, /bin/sh reads the line above and Node runs this file (`node "$0"`: Node
// reads that line as a string and a comment). The shell step exists for NODE_EXTRA_CA_CERTS: where it
// is set, Node reads and parses that certificate file before running any code (about 40 ms here), and
// ps-run makes no TLS connection, so the variable is set aside for ps-run's own Node and put back below,
// before anything reads the environment: every process ps-run starts gets it unchanged. With --router,
// ps-run's Node keeps a 16 MiB young generation from the start (V8 sizes it only at start-up, for the
// whole process): a router under load then collects half as often, and its p99 latency at half its top
// rate was about a fifth of what it was (see the README's router section, "Measured").
// The CLI is bundled CommonJS (bin/package.json makes this file CommonJS too), so start-up loads no ESM
// loader. The control commands go to the small quick bundle, which runs them itself when their
// arguments are plain (see src/cli/quick.ts; test/unit/cli-quick.test.ts keeps this list equal to the
// commands it knows); everything else loads only the whole CLI, dist/ps-run.cjs, with V8's code cache
// for it when the build made one (src/cli/code-cache.ts).
'use strict';
const caCerts = process.env.PS_RUN_EXTRA_CA_CERTS;
if (caCerts !== undefined) {
  process.env.NODE_EXTRA_CA_CERTS = caCerts;
  delete process.env.PS_RUN_EXTRA_CA_CERTS;
}
// The exit waits (briefly) for stdout to drain: see exitWhenFlushed.
const runFull = () => {
  const { loadBundle } = require('../dist/ps-run-load.cjs');
  const { main, exitWhenFlushed } = loadBundle(require.resolve('../dist/ps-run.cjs'));
  main(process.argv).then((code) => exitWhenFlushed(code));
};
if (['status', 'restart', 'stop', 'scale', 'quit'].includes(process.argv[2]))
  require('../dist/ps-run-quick.cjs').launch(process.argv, runFull);
else runFull();
