/**
 * The Managed Flink L2 (`@aws-cdk/aws-kinesisanalytics-flink-alpha`, 2.270.0-alpha.0, the latest release) builds on
 * `aws-cdk-lib/aws-kinesisanalytics`'s `CfnApplicationV2` and `CfnApplicationCloudWatchLoggingOptionV2`, deprecated
 * aliases of the `aws-kinesisanalyticsv2` classes (same `AWS::KinesisAnalyticsV2::*` resources). aws-cdk-lib prints a
 * `[WARNING] … is deprecated` line (jsii deprecation warnings, `JSII_DEPRECATED=warn` by default) for each use, about
 * code that is not ours and that we cannot change, on every synth of a stack with the Flink job.
 *
 * The filter drops exactly those lines and nothing else: any other deprecation (ours included) still prints.
 * `test/constructs/alpha-deprecations.test.ts` fails once the alpha stops using the aliases, so the filter goes too.
 */
const ALIASES =
  /^aws-cdk-lib\.aws_kinesisanalytics\.(CfnApplicationV2|CfnApplicationCloudWatchLoggingOptionV2)(Props)?([#.]|\s|$)/;

/** A `console.warn` call that is one of the alpha's deprecation warnings. */
export function isAlphaDeprecation(args: readonly unknown[]): boolean {
  return args[0] === '[WARNING]' && typeof args[1] === 'string' && ALIASES.test(args[1]);
}

/** Drops the alpha's deprecation warnings from `console.warn`; returns a function that restores it. */
export function quietAlphaDeprecations(target: Pick<Console, 'warn'> = console): () => void {
  const warn = target.warn;
  target.warn = (...args: unknown[]) => {
    if (!isAlphaDeprecation(args)) warn.apply(target, args);
  };
  return () => {
    target.warn = warn;
  };
}
