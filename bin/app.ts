#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { buildStreamlake } from '../lib/app';
import { ConfigError, loadConfig } from '../lib/config';
import { StreamlakeNagChecks } from '../lib/constructs/nag';
import { quietAlphaDeprecations } from '../lib/constructs/speed/alpha-deprecations';

quietAlphaDeprecations();
const app = new App();
try {
  buildStreamlake(app, loadConfig(app));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
Validations.of(app).addPlugins(new StreamlakeNagChecks(app));
