#!/usr/bin/env node
// Launcher: the CLI is bundled CommonJS (bin/package.json makes this file CommonJS too), so start-up
// loads no ESM loader. The control commands run from the small quick bundle when their arguments are
// plain; everything else loads the whole CLI, dist/ps-run.cjs. See src/cli/quick.ts.
'use strict';
require('../dist/ps-run-quick.cjs').launch(process.argv, () => require('../dist/ps-run.cjs'));
