/**
 * Exit codes of `streamlake`. Scripts branch on these, so they are part of the CLI's contract
 * (documented in docs/cli.md and tested in test/cli/).
 */
export const ExitCode = {
  /** The command did what was asked. */
  ok: 0,
  /** The operation failed: AWS error, batch run failed, events left unsent after retries, replay aborted. */
  failure: 1,
  /** Bad arguments or options (negative rate, bad date, unknown stage, unknown region…). */
  usage: 2,
  /** The deployment (stage, architecture) or a needed CloudFormation output does not exist. */
  notDeployed: 3,
  /** `--wait` or a replay poll gave up before the operation finished (the operation keeps running). */
  timedOut: 4,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the CLI reports as one clear line and turns into an exit code (no stack trace). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue = ExitCode.failure,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.usage);
    this.name = 'UsageError';
  }
}

export class NotDeployedError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.notDeployed);
    this.name = 'NotDeployedError';
  }
}
