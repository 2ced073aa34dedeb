#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildStreamlake } from '../lib/app';
import { ConfigError, loadConfig } from '../lib/config';

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
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
