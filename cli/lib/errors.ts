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
  /** An endpoint could not be reached: connection refused, host not found, no connection or no answer in time. */
  unreachable: 5,
  /** No usable AWS credentials (none found, expired, or rejected as unknown). */
  credentials: 6,
  /** Stopped by Ctrl-C (128 + SIGINT), after reporting what was done and writing what was not sent. */
  interrupted: 130,
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

export class UnreachableError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.unreachable);
    this.name = 'UnreachableError';
  }
}

export class CredentialsError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.credentials);
    this.name = 'CredentialsError';
  }
}
