import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** One acknowledged cdk-nag finding: the rule, why it does not apply, and (for multi-finding rules) which findings. */
export interface NagAcknowledgement {
  readonly id: string;
  readonly reason: string;
  /** Findings of the rule this covers, e.g. `Resource::*`; omitted for rules with one finding per resource. */
  readonly appliesTo?: readonly string[];
}

/**
 * Acknowledges cdk-nag findings on a construct and its children. Every acknowledgement carries a reason; findings of
 * multi-finding rules (IAM5) are named one by one, so a new wildcard is never silently covered.
 */
export function acknowledge(scope: IConstruct, acknowledgements: readonly NagAcknowledgement[]): void {
  for (const a of acknowledgements) {
    if (a.reason.trim().length < 20)
      throw new Error(`cdk-nag acknowledgement of ${a.id} needs a real reason`);
    const ids = a.appliesTo?.map((finding) => `${a.id}[${finding}]`) ?? [a.id];
    for (const id of ids) Validations.of(scope).acknowledge({ id, reason: a.reason });
  }
}
