#!/usr/bin/env node
// Launcher: the whole CLI is dist/ps-run.cjs, one bundled CommonJS file (bin/package.json makes this
// file CommonJS too), so start-up loads one module without the ESM loader. This file only hands it argv.
'use strict';
// The exit waits (briefly) for stdout to drain: see exitWhenFlushed.
const { main, exitWhenFlushed } = require('../dist/ps-run.cjs');

main(process.argv).then((code) => exitWhenFlushed(code));
