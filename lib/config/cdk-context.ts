/**
 * Context keys that belong to the CDK, not to streamlake. Every other key in the app's context must be a streamlake
 * configuration key (lib/config/schema.ts), so `-c STAGE=prod` or `-c alarm-email=…` fails synth instead of being
 * silently ignored.
 *
 * What the CDK puts in the context (checked against aws-cdk 2.1148 and aws-cdk-lib 2.276; `cdk synth` of an app that
 * prints `CDK_CONTEXT_JSON`, and the CLI's source):
 * - `aws:cdk:*`: settings the CLI injects on every run (`aws:cdk:enable-path-metadata`, `aws:cdk:enable-asset-metadata`,
 *   `aws:cdk:version-reporting`, `aws:cdk:bundling-stacks`) or on flags (`aws:cdk:disable-asset-staging`,
 *   `aws:cdk:disable-stack-trace`, `aws:cdk:disable-version-reporting`…), and library settings such as
 *   `aws:cdk:availability-zones:fallback`;
 * - `@aws-cdk/*` and `@aws-cdk-containers/*`: feature flags (cdk.json) and library settings
 *   (`@aws-cdk/core:bootstrapQualifier`, `@aws-cdk/core:permissionsBoundary`…);
 * - `<provider>:…`: values cached by context providers in cdk.context.json (`availability-zones:account=…:region=…`,
 *   `ssm:…`, `vpc-provider:…`), one prefix per provider of the cloud assembly schema;
 * - `acknowledged-issue-numbers` (`cdk acknowledge`, cdk.context.json) and `cli-telemetry` (`cdk cli-telemetry`,
 *   cdk.json).
 */
import { ContextProvider } from 'aws-cdk-lib/cloud-assembly-schema';

const CDK_PREFIXES = ['aws:cdk:', '@aws-cdk/', '@aws-cdk-containers/'];
const CDK_KEYS = new Set(['acknowledged-issue-numbers', 'cli-telemetry']);
const PROVIDER_PREFIXES = Object.values(ContextProvider).map((p) => `${p}:`);

/** True when the CDK (CLI, feature flags, context providers) owns this context key. */
export function isCdkContextKey(key: string): boolean {
  return (
    CDK_KEYS.has(key) ||
    CDK_PREFIXES.some((p) => key.startsWith(p)) ||
    PROVIDER_PREFIXES.some((p) => key.startsWith(p))
  );
}
