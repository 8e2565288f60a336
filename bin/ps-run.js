#!/usr/bin/env node
// Launcher: the CLI is bundled CommonJS (bin/package.json makes this file CommonJS too), so start-up
// loads no ESM loader. The control commands go to the small quick bundle, which runs them itself when
// their arguments are plain (see src/cli/quick.ts; test/unit/cli-quick.test.ts keeps this list equal to
// the commands it knows); everything else loads only the whole CLI, dist/ps-run.cjs, with V8's code
// cache for it when the build made one (src/cli/code-cache.ts).
'use strict';
// The exit waits (briefly) for stdout to drain: see exitWhenFlushed.
const runFull = () => {
  const { loadBundle } = require('../dist/ps-run-load.cjs');
  const { main, exitWhenFlushed } = loadBundle(require.resolve('../dist/ps-run.cjs'));
  main(process.argv).then((code) => exitWhenFlushed(code));
};
if (['status', 'restart', 'stop', 'scale', 'quit'].includes(process.argv[2]))
  require('../dist/ps-run-quick.cjs').launch(process.argv, runFull);
else runFull();
