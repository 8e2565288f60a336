#!/usr/bin/env node
// Launcher: the whole CLI lives in dist/cli; this file only hands it argv.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
