import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseConfig } from '../../lib/config';
import {
  PROD_RESERVED_CONCURRENCY,
  QueryApi,
  type QueryApiProps,
} from '../../lib/constructs/serving/query-api';
import { MonitoringStack } from '../../lib/stacks/monitoring-stack';
import { ServingStack } from '../../lib/stacks/serving-stack';
import { StorageStack } from '../../lib/stacks/storage-stack';
import { CDK_JSON_CONTEXT, type NagViolation } from '../support/app';
import { VARIANTS } from '../support/variants';

/**
 * Storage + Monitoring + Serving wired as lib/app.ts wires them, without bundling, so these tests do not depend on
 * the rest of the app being composed.
 */
function servingVariant(context: Record<string, unknown>, options: { nag?: boolean } = {}) {
  const full = { ...CDK_JSON_CONTEXT, ...context };
  const app = new App({
    context: { ...full, 'aws:cdk:bundling-stacks': [] },
    outdir: mkdtempSync(join(tmpdir(), 'streamlake-serving-')),
  });
  const config = parseConfig(full);
  const storage = new StorageStack(app, { config });
  const monitoring = new MonitoringStack(app, { config });
  const serving = new ServingStack(app, {
    config,
    views: storage.views,
    key: storage.lake.key,
    alarmTopic: monitoring.alarms.topic,
  });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, serving };
}

/** Every unacknowledged cdk-nag finding under the Serving stack. */
function servingNagViolations(context: Record<string, unknown>): NagViolation[] {
  const { app, serving } = servingVariant(context, { nag: true });
  try {
    app.synth();
    return [];
  } catch (error) {
    let parsed: {
      pluginReports: {
        violations: {
          ruleName: string;
          description: string;
          violatingConstructs: { constructPath: string }[];
        }[];
      }[];
    };
    try {
      parsed = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8'));
    } catch {
      throw error;
    }
    return parsed.pluginReports
      .flatMap((p) =>
        p.violations.flatMap((v) =>
          v.violatingConstructs.map((c) => ({
            rule: v.ruleName,
            path: c.constructPath,
            description: v.description,
          })),
        ),
      )
      .filter((v) => v.path.startsWith(`${serving.node.path}/`));
  }
}

const template = (context: Record<string, unknown>) => Template.fromStack(servingVariant(context).serving);

/** Every action the handler's role may perform, from every policy attached to it. */
function handlerActions(t: Template): string[] {
  const roles = t.findResources('AWS::IAM::Role', {
    Properties: {
      AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'lambda.amazonaws.com' } }] },
    },
  });
  const roleIds = Object.keys(roles);
  expect(roleIds).toHaveLength(1);
  const policies = Object.values(t.findResources('AWS::IAM::Policy')).filter((p) =>
    (p.Properties.Roles as { Ref: string }[]).some((r) => roleIds.includes(r.Ref)),
  );
  return policies.flatMap((p) =>
    (p.Properties.PolicyDocument.Statement as { Effect: string; Action: string | string[] }[]).flatMap(
      (s) => {
        expect(s.Effect).toBe('Allow');
        return Array.isArray(s.Action) ? s.Action : [s.Action];
      },
    ),
  );
}

describe('ServingStack, lambda architecture', () => {
  const t = template({ architecture: 'lambda' });

  test('the only route is GET /metrics, IAM-authorized', () => {
    const routes = t.findResources('AWS::ApiGatewayV2::Route');
    expect(Object.values(routes).map((r) => [r.Properties.RouteKey, r.Properties.AuthorizationType])).toEqual(
      [['GET /metrics', 'AWS_IAM']],
    );
  });

  test('no route is unauthenticated and there is no $default route', () => {
    t.resourcePropertiesCountIs('AWS::ApiGatewayV2::Route', { AuthorizationType: 'NONE' }, 0);
    t.resourcePropertiesCountIs('AWS::ApiGatewayV2::Route', { RouteKey: '$default' }, 0);
  });

  test('the handler may only read: table and key reads, its own log writes, no parameter in the Lambda engine', () => {
    const actions = handlerActions(t);
    expect(new Set(actions)).toEqual(
      new Set([
        'dynamodb:BatchGetItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:DescribeTable',
        'dynamodb:GetItem',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
        'dynamodb:Query',
        'dynamodb:Scan',
        'kms:Decrypt',
        'kms:DescribeKey',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
      ]),
    );
  });

  test('the role carries no managed policy', () => {
    const roles = Object.values(t.findResources('AWS::IAM::Role'));
    for (const role of roles) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('the view-version parameter exists with flink-v1, and both outputs are exported', () => {
    t.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/streamlake/dev/view-version',
      Type: 'String',
      Value: 'flink-v1',
    });
    expect(Object.keys(t.findOutputs('ServingApiUrl'))).toHaveLength(1);
    t.hasOutput('ViewVersionParameterName', { Value: { Ref: Match.stringLikeRegexp('ViewVersion') } });
  });

  test('the function is Node.js 22 on arm64 with a validated environment', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Environment: {
        Variables: Match.objectLike({
          ARCHITECTURE: 'lambda',
          SPEED_ENGINE: 'lambda',
          VIEW_VERSION_PARAMETER: { Ref: Match.stringLikeRegexp('ViewVersion') },
          MAX_RANGE_DAYS: '31',
          VIEW_TABLE_NAME: Match.anyValue(),
        }),
      },
    });
  });

  test('the stage is throttled and logs access to a KMS-encrypted log group', () => {
    t.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AccessLogs'), 'Arn'] } },
    });
    const groups = Object.values(t.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThanOrEqual(2);
    for (const g of groups) expect(g.Properties.KmsKeyId).toBeDefined();
  });

  test('alarms cover 5xx, latency, errors and throttles, and every alarm has an action', () => {
    const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm'));
    const metrics = alarms.flatMap((a) =>
      a.Properties.MetricName
        ? [a.Properties.MetricName]
        : (a.Properties.Metrics as { MetricStat?: { Metric: { MetricName: string } } }[]).flatMap((m) =>
            m.MetricStat ? [m.MetricStat.Metric.MetricName] : [],
          ),
    );
    expect(metrics.sort()).toEqual(['5xx', 'Errors', 'Latency', 'Throttles']);
    for (const alarm of alarms) {
      expect(alarm.Properties.ActionsEnabled).toBe(true);
      expect(alarm.Properties.AlarmActions.length).toBeGreaterThan(0);
    }
  });
});

describe.each([
  ['lambda-flink', { architecture: 'lambda', speedEngine: 'flink' }, 'lambda'],
  ['kappa', { architecture: 'kappa' }, 'kappa'],
])('ServingStack, %s', (_name, context, architecture) => {
  const t = template(context);

  test('the handler reads the view-version parameter, and only reads', () => {
    const actions = handlerActions(t);
    expect(actions).toEqual(expect.arrayContaining(['ssm:GetParameter']));
    const writes = actions.filter((a) =>
      /^(dynamodb|ssm|kms):(Put|Update|Delete|Batch(Write)|Encrypt|Generate|Label)/.test(a),
    );
    expect(writes).toEqual([]);
  });

  test('the handler is told the architecture and the Flink engine', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ARCHITECTURE: architecture, SPEED_ENGINE: 'flink' }) },
    });
  });
});

describe('ServingStack, view version', () => {
  test('the pointer starts at the view the configured Flink job writes', () => {
    template({ architecture: 'kappa', flinkViewVersion: '3' }).hasResourceProperties('AWS::SSM::Parameter', {
      Value: 'flink-v3',
    });
  });
});

describe('ServingStack, prod', () => {
  test('the parameter is named after the stage', () => {
    template(VARIANTS['kappa-prod']).hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/streamlake/prod/view-version',
    });
  });

  test('prod reserves the handler concurrency; dev does not (a new account could not deploy it)', () => {
    template(VARIANTS['kappa-prod']).hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: PROD_RESERVED_CONCURRENCY,
    });
    const [dev] = Object.values(template(VARIANTS.kappa).findResources('AWS::Lambda::Function'));
    expect(dev.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });
});

describe.each(Object.entries(VARIANTS))('cdk-nag AwsSolutions on Serving, variant %s', (_name, context) => {
  test('no unacknowledged finding', () => {
    expect(servingNagViolations(context).map((v) => `${v.rule} at ${v.path}: ${v.description}`)).toEqual([]);
  });
});

describe('QueryApi props validation', () => {
  function build(overrides: Partial<QueryApiProps>): void {
    const stack = new Stack();
    const table = dynamodb.Table.fromTableName(stack, 'T', 'views');
    new QueryApi(stack, 'Api', {
      table,
      encryptionKey: new kms.Key(stack, 'Key'),
      architecture: 'lambda',
      speedEngine: 'lambda',
      viewVersionParameterName: '/streamlake/dev/view-version',
      maxRange: Duration.days(31),
      alarmTopic: new sns.Topic(stack, 'Topic'),
      ...overrides,
    });
  }

  test('fails when kappa is given the Lambda speed engine', () => {
    expect(() => build({ architecture: 'kappa', speedEngine: 'lambda' })).toThrow(
      "QueryApi: speedEngine 'lambda' is not allowed with architecture kappa; use 'flink'",
    );
  });

  test('fails when maxRange is not whole days', () => {
    expect(() => build({ maxRange: Duration.hours(36) })).toThrow(/maxRange must be 1\.\.366 whole days/);
  });

  test('fails when the parameter name is not an absolute path', () => {
    expect(() => build({ viewVersionParameterName: 'view-version' })).toThrow(/must be an absolute SSM path/);
  });

  test('fails when the initial view version is not a positive whole number', () => {
    expect(() => build({ initialViewVersion: 1.5 })).toThrow(
      'QueryApi: initialViewVersion must be a positive whole number, got 1.5',
    );
  });

  test('fails when the rate limit is not a positive whole number', () => {
    expect(() => build({ rateLimit: 0 })).toThrow(
      'QueryApi: rateLimit must be a positive whole number, got 0',
    );
  });
});
