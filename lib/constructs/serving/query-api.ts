import { CfnOutput, Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { Architecture, SpeedEngine } from '../../config';
import { Outputs } from '../../contracts/outputs';
import viewTable from '../../contracts/view-table.json';
import { NodeFunction } from '../common/node-function';
import { layerMonitoring } from '../monitoring/layer-monitoring';

/** Steady-state requests per second the API stage accepts before API Gateway answers 429. */
export const DEFAULT_RATE_LIMIT = 50;
/** Requests the API stage accepts in a burst. */
export const DEFAULT_BURST_LIMIT = 100;
/** The Flink view version the pointer names at creation, before any reprocessing switched it. */
export const DEFAULT_INITIAL_VIEW_VERSION = 1;
export const DEFAULT_MEMORY_MIB = 256;
export const DEFAULT_TIMEOUT = Duration.seconds(10);
export const DEFAULT_LOG_RETENTION = logs.RetentionDays.ONE_YEAR;
/**
 * Handler executions the prod stage reserves for the API. At the default stage limits (50 requests/s, burst 100) and a handler that
 * answers in ~100 ms, ~10 run at once; 20 leaves headroom and caps a slow-table pile-up at 20 × 10 s timeouts.
 */
export const PROD_RESERVED_CONCURRENCY = 20;
/** p99 latency above which the API alarms. */
export const DEFAULT_LATENCY_ALARM = Duration.seconds(2);
/** The query route; the only one the API has. */
export const METRICS_PATH = '/metrics';

export interface QueryApiProps {
  /** The views table (every view, keyed as in `lib/contracts/view-table.json`). Read only. */
  readonly table: dynamodb.ITable;
  /**
   * The key the views table is encrypted with, granted for decryption only when the table object does not carry
   * it (an imported table); a table built in this app grants its own key with `grantReadData`.
   * @default - the table's own `encryptionKey`
   */
  readonly tableEncryptionKey?: kms.IKey;
  /** The lake key: encrypts the access and function log groups and the function's environment. */
  readonly encryptionKey: kms.IKey;
  /** Which architecture the API serves: `lambda` merges batch and speed views, `kappa` serves the Flink view only. */
  readonly architecture: Architecture;
  /** What writes the speed view in the lambda architecture; must be `flink` in kappa. */
  readonly speedEngine: SpeedEngine;
  /** Name of the SSM String parameter naming the current Flink view, e.g. `/streamlake/dev/view-version`. */
  readonly viewVersionParameterName: string;
  /**
   * The Flink view version (`flink-v<N>`) the pointer names when it is created: the version the deployed Flink job
   * writes. CloudFormation writes the value only when it changes in the template; after that the replay CLI owns it.
   * @default DEFAULT_INITIAL_VIEW_VERSION
   */
  readonly initialViewVersion?: number;
  /** Longest range a query may cover, in whole days. */
  readonly maxRange: Duration;
  /** Every alarm notifies this topic. */
  readonly alarmTopic: sns.ITopic;
  /**
   * How long after the end of a day a Flink-only (kappa) day total is final (the Flink job's allowed lateness).
   * @default Duration.minutes(0) - final as soon as the day has ended
   */
  readonly daySettle?: Duration;
  /**
   * Steady-state request rate limit of the stage, per second.
   * @default DEFAULT_RATE_LIMIT
   */
  readonly rateLimit?: number;
  /**
   * Burst limit of the stage.
   * @default DEFAULT_BURST_LIMIT
   */
  readonly burstLimit?: number;
  /**
   * Memory of the handler, MiB.
   * @default DEFAULT_MEMORY_MIB
   */
  readonly memoryMiB?: number;
  /**
   * Retention of the access and function logs.
   * @default DEFAULT_LOG_RETENTION
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Concurrent executions reserved for (and capping) the handler: with the stage throttle it bounds what a flood of
   * queries costs, and keeps a slow table from pulling the account's whole concurrency into the API. Lambda keeps 100
   * of the account's concurrency unreserved, so a new account (quota 10 or 50) rejects any reservation.
   * @default - none: the handler draws on the account's unreserved pool
   */
  readonly reservedConcurrency?: number;
  /**
   * What happens to the log groups when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The query API: `GET /metrics` on an IAM-authorized HTTP API, answered by a Lambda that reads the views table
 * (read-only) and the view-version pointer. Access logs and function logs go to log groups encrypted with the lake
 * key; throttled at the stage; 5xx, latency, errors and throttles alarm to the alarm topic.
 */
export class QueryApi extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly route: apigwv2.HttpRoute;
  /** The handler with its role, log group and settings. */
  readonly function: NodeFunction;
  readonly handler: nodejs.NodejsFunction;
  /** The view-version pointer (value `flink-v<N>`); a reprocessing switches it, the handler follows within 30 s. */
  readonly viewVersion: ssm.StringParameter;
  readonly url: string;

  constructor(scope: Construct, id: string, props: QueryApiProps) {
    super(scope, id);
    validate(props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const retention = props.logRetention ?? DEFAULT_LOG_RETENTION;
    const usesFlink = props.architecture === 'kappa' || props.speedEngine === 'flink';

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      encryptionKey: props.encryptionKey,
      retention,
      removalPolicy,
    });

    this.viewVersion = new ssm.StringParameter(this, 'ViewVersion', {
      parameterName: props.viewVersionParameterName,
      stringValue: `${viewTable.views.flinkPrefix}${props.initialViewVersion ?? DEFAULT_INITIAL_VIEW_VERSION}`,
      description:
        'Current Flink view of streamlake (flink-v<N>); the replay CLI switches it, the query API reads it (30 s cache).',
    });

    this.function = new NodeFunction(this, 'Handler', {
      handlerDir: 'query-api',
      description: `streamlake query API (${props.architecture} architecture)`,
      encryptionKey: props.encryptionKey,
      memorySize: props.memoryMiB ?? DEFAULT_MEMORY_MIB,
      timeout: DEFAULT_TIMEOUT,
      logRetention: retention,
      removalPolicy,
      reservedConcurrency: props.reservedConcurrency,
      environment: {
        VIEW_TABLE_NAME: props.table.tableName,
        ARCHITECTURE: props.architecture,
        SPEED_ENGINE: props.architecture === 'kappa' ? 'flink' : props.speedEngine,
        VIEW_VERSION_PARAMETER: this.viewVersion.parameterName,
        MAX_RANGE_DAYS: String(props.maxRange.toDays()),
        DAY_SETTLE_MINUTES: String((props.daySettle ?? Duration.minutes(0)).toMinutes()),
        POWERTOOLS_METRICS_NAMESPACE: 'streamlake',
        POWERTOOLS_SERVICE_NAME: 'query-api',
      },
    });
    this.handler = this.function.function;
    props.table.grantReadData(this.handler);
    if (!props.table.encryptionKey) props.tableEncryptionKey?.grantDecrypt(this.handler);
    if (usesFlink) this.viewVersion.grantRead(this.handler);

    this.api = new apigwv2.HttpApi(this, 'Api', {
      description: 'streamlake query API (IAM-authorized)',
      createDefaultStage: false,
      // Every route requires SigV4; a route added later without an authorizer still gets IAM, never NONE.
      defaultAuthorizer: new HttpIamAuthorizer(),
    });
    [this.route] = this.api.addRoutes({
      path: METRICS_PATH,
      methods: [apigwv2.HttpMethod.GET],
      integration: new HttpLambdaIntegration('Query', this.handler),
    });
    this.stage = new apigwv2.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: {
        rateLimit: props.rateLimit ?? DEFAULT_RATE_LIMIT,
        burstLimit: props.burstLimit ?? DEFAULT_BURST_LIMIT,
      },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            caller: '$context.identity.caller',
            user: '$context.identity.userArn',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });
    this.url = this.stage.url;

    const monitoring = layerMonitoring(this, { alarmTopic: props.alarmTopic });
    monitoring.monitorApiGatewayV2HttpApi({
      api: this.api,
      apiStage: this.stage.stageName,
      alarmFriendlyName: 'QueryApi',
      add5xxCountAlarm: { Critical: { maxErrorCount: 1 } },
      addLatencyP99Alarm: { Warning: { maxLatency: DEFAULT_LATENCY_ALARM } },
    });
    monitoring.monitorLambdaFunction({
      lambdaFunction: this.handler,
      alarmFriendlyName: 'QueryHandler',
      addFaultCountAlarm: { Critical: { maxErrorCount: 1 } },
      addThrottlesCountAlarm: { Warning: { maxErrorCount: 1 } },
    });

    new CfnOutput(this, 'ServingApiUrlOutput', { key: Outputs.servingApiUrl, value: this.url });
    new CfnOutput(this, 'ViewVersionParameterNameOutput', {
      key: Outputs.viewVersionParameterName,
      value: this.viewVersion.parameterName,
    });
  }

  /** Lets a principal call `GET /metrics` (SigV4-signed). */
  grantQuery(grantee: iam.IGrantable): iam.Grant {
    return this.route.grantInvoke(grantee);
  }
}

function validate(props: QueryApiProps): void {
  if (props.architecture === 'kappa' && props.speedEngine !== 'flink') {
    throw new Error(
      `QueryApi: speedEngine '${props.speedEngine}' is not allowed with architecture kappa; use 'flink'`,
    );
  }
  const name = props.viewVersionParameterName;
  if (!Token.isUnresolved(name) && !/^\/[A-Za-z0-9_.\-/]+$/.test(name)) {
    throw new Error(
      `QueryApi: viewVersionParameterName '${name}' must be an absolute SSM path like /streamlake/dev/view-version`,
    );
  }
  if (!Token.isUnresolved(props.maxRange.toSeconds())) {
    const days = props.maxRange.toDays({ integral: false });
    if (!Number.isInteger(days) || days < 1 || days > 366) {
      throw new Error(`QueryApi: maxRange must be 1..366 whole days, got ${props.maxRange.toHumanString()}`);
    }
  }
  for (const [key, value] of [
    ['rateLimit', props.rateLimit],
    ['burstLimit', props.burstLimit],
    ['initialViewVersion', props.initialViewVersion],
  ] as const) {
    if (value !== undefined && !Token.isUnresolved(value) && (!Number.isInteger(value) || value < 1)) {
      throw new Error(`QueryApi: ${key} must be a positive whole number, got ${value}`);
    }
  }
}
