#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's CommonJS hook: no build step, same code as the tests.
// The AWS SDK warns on every run under Node 20 that its releases after January 2027 need Node 22; the README's
// prerequisites say so once, and the CLI's output stays what the command printed.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
require('../main.ts')
  .run(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
