/** Every variant the project promises to synthesize; snapshot, cdk-nag and cfn-lint run over each. */
export const VARIANTS: Record<string, Record<string, string>> = {
  lambda: { architecture: 'lambda' },
  'lambda-flink': { architecture: 'lambda', speedEngine: 'flink' },
  'lambda-mapreduce': { architecture: 'lambda', batchEngine: 'mapreduce' },
  kappa: { architecture: 'kappa' },
  'kappa-prod': { architecture: 'kappa', stage: 'prod', alarmEmail: 'oncall@example.com' },
  localstack: { target: 'localstack' },
};
