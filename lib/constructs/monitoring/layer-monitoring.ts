import { Stack } from 'aws-cdk-lib';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { DefaultDashboardFactory, MonitoringFacade, SnsAlarmActionStrategy } from 'cdk-monitoring-constructs';
import type { Construct } from 'constructs';

export interface LayerMonitoringProps {
  /** Every alarm of the layer notifies this topic. */
  readonly alarmTopic: sns.ITopic;
  /**
   * Create the layer's CloudWatch dashboards (community LocalStack has no dashboard resource).
   * @default true
   */
  readonly dashboards?: boolean;
}

/**
 * A cdk-monitoring-constructs facade for one layer: a dashboard named after the stack (unless `dashboards` is false),
 * and alarm defaults whose action is the shared alarm topic, so no alarm is ever created without an action.
 */
export function layerMonitoring(scope: Construct, props: LayerMonitoringProps): MonitoringFacade {
  const stackName = Stack.of(scope).stackName;
  const dashboards = props.dashboards ?? true;
  return new MonitoringFacade(scope, 'Monitoring', {
    alarmFactoryDefaults: {
      alarmNamePrefix: stackName,
      actionsEnabled: true,
      action: new SnsAlarmActionStrategy({ onAlarmTopic: props.alarmTopic }),
      datapointsToAlarm: 3,
      evaluationPeriods: 3,
    },
    metricFactoryDefaults: {},
    dashboardFactory: new DefaultDashboardFactory(scope, 'Dashboards', {
      dashboardNamePrefix: stackName,
      createDashboard: dashboards,
      createSummaryDashboard: false,
      createAlarmDashboard: dashboards,
    }),
  });
}
