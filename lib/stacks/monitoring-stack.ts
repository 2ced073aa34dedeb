import { CfnOutput, RemovalPolicy } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AlarmTopic } from '../constructs/monitoring/alarm-topic';
import { StreamlakeStack, type StreamlakeStackProps } from './streamlake-stack';

/** The alarm topic every layer's alarms notify. Built first so each layer keeps its alarms and dashboard with it. */
export class MonitoringStack extends StreamlakeStack {
  readonly alarms: AlarmTopic;

  constructor(scope: Construct, props: StreamlakeStackProps) {
    super(scope, 'Monitoring', props);
    this.alarms = new AlarmTopic(this, 'Alarms', {
      email: props.config.alarmEmail,
      removalPolicy: props.config.destroyData ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
  }
}
