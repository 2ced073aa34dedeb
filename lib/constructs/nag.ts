import {
  type IPolicyValidationContext,
  type IPolicyValidationPlugin,
  type PolicyValidationPluginReport,
  Validations,
} from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** One acknowledged cdk-nag finding: the rule, why it does not apply, and (for multi-finding rules) which findings. */
export interface NagAcknowledgement {
  readonly id: string;
  readonly reason: string;
  /**
   * Findings of a multi-finding rule (IAM5) this covers, e.g. `Action::s3:GetObject*`. A RegExp matches findings whose
   * text contains tokens that only resolve at synthesis (a cross-stack bucket ARN: `/^Resource::.*\/raw\/\*$/`).
   * @default - the rule as a whole (rules with one finding per resource)
   */
  readonly appliesTo?: readonly (string | RegExp)[];
}

const PATTERN_METADATA = 'streamlake:nag-acknowledged-pattern';

interface PatternAcknowledgement {
  readonly id: string;
  readonly pattern: string;
  readonly reason: string;
}

/**
 * Acknowledges cdk-nag findings on a construct and its children. Every acknowledgement carries a reason; findings of
 * multi-finding rules are named one by one (or by a pattern), so a new wildcard is never silently covered.
 */
export function acknowledge(scope: IConstruct, acknowledgements: readonly NagAcknowledgement[]): void {
  for (const a of acknowledgements) {
    if (a.reason.trim().length < 20)
      throw new Error(`cdk-nag acknowledgement of ${a.id} needs a real reason`);
    if (!a.appliesTo) {
      Validations.of(scope).acknowledge({ id: a.id, reason: a.reason });
      continue;
    }
    for (const finding of a.appliesTo) {
      if (typeof finding === 'string') {
        Validations.of(scope).acknowledge({ id: `${a.id}[${finding}]`, reason: a.reason });
      } else {
        const data: PatternAcknowledgement = { id: a.id, pattern: finding.source, reason: a.reason };
        scope.node.addMetadata(PATTERN_METADATA, data);
      }
    }
  }
}

type Report = PolicyValidationPluginReport & {
  violations: { ruleName: string; violatingResources: { constructPath?: string }[] }[];
};

/**
 * cdk-nag's AwsSolutions pack, plus the pattern acknowledgements recorded by {@link acknowledge}: cdk-nag 3 matches
 * acknowledged findings by exact text, which cannot name a resource whose ARN is a cross-stack import.
 */
export class StreamlakeNagChecks implements IPolicyValidationPlugin {
  readonly name: string;
  private readonly inner: AwsSolutionsChecks;

  constructor(private readonly root: IConstruct) {
    this.inner = new AwsSolutionsChecks(root, { verbose: true });
    this.name = this.inner.name;
  }

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const report = this.inner.validate(context) as Report;
    const patterns = collectPatterns(this.root);
    const violations = report.violations
      .map((v) => ({
        ...v,
        violatingResources: v.violatingResources.filter(
          (r) => !isAcknowledged(v.ruleName, r.constructPath, patterns),
        ),
      }))
      .filter((v) => v.violatingResources.length > 0);
    return { ...report, violations, success: violations.length === 0 };
  }
}

function collectPatterns(root: IConstruct): Map<string, PatternAcknowledgement[]> {
  const byPath = new Map<string, PatternAcknowledgement[]>();
  for (const node of root.node.findAll()) {
    const entries = node.node.metadata
      .filter((m) => m.type === PATTERN_METADATA)
      .map((m) => m.data as PatternAcknowledgement);
    if (entries.length > 0) byPath.set(node.node.path, entries);
  }
  return byPath;
}

function isAcknowledged(
  ruleName: string,
  constructPath: string | undefined,
  patterns: Map<string, PatternAcknowledgement[]>,
): boolean {
  const match = /^([^[]+)\[(.*)\]$/.exec(ruleName);
  if (!match || !constructPath) return false;
  const [, id, finding] = match;
  for (const [path, entries] of patterns) {
    if (constructPath !== path && !constructPath.startsWith(`${path}/`)) continue;
    if (entries.some((e) => e.id === id && new RegExp(e.pattern).test(finding))) return true;
  }
  return false;
}
