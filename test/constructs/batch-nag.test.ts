import * as iam from 'aws-cdk-lib/aws-iam';
import { batchNagViolations } from './batch-support';

test.each([['endpoints'], ['nat']])(
  'cdk-nag: no unacknowledged finding in the Batch stack (egress=%s)',
  (egress) => {
    expect(batchNagViolations({ egress })).toEqual([]);
  },
);

test('cdk-nag: a new unacknowledged wildcard on the instance role is reported', () => {
  const violations = batchNagViolations({}, (batch) => {
    batch.security.instanceRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['glue:GetTable'], resources: ['*'] }),
    );
  });
  expect(violations).toEqual([
    expect.objectContaining({
      rule: 'AwsSolutions-IAM5[Resource::*]',
      path: 'Streamlake-Dev-Batch/Emr/InstanceRole/DefaultPolicy/Resource',
    }),
  ]);
});
