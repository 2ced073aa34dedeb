#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's CommonJS hook: no build step, same code as the tests.
require('tsx/cjs');
require('../main.ts')
  .run(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
