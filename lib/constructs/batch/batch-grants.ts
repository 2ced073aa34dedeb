import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { LakePrefixes } from '../../contracts/lake-layout';
import viewTable from '../../contracts/view-table.json';

// The read-only grants of the batch layer's planning functions (the planner, the deadline check).

/**
 * Query on the views table restricted to the `meta#batch` partition (the completion items), plus decrypt with the
 * table's key: all the planner and the deadline check read there.
 */
export function grantReadCompletions(grantee: iam.IGrantable, table: dynamodb.ITable): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:Query'],
      resources: [table.tableArn],
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [viewTable.batchCompletion.pk] } },
    }),
  );
  table.encryptionKey?.grantDecrypt(grantee);
}

/** ListBucket on the raw bucket for keys under the raw events prefix only; no object is read. */
export function grantListRawEvents(grantee: iam.IGrantable, rawBucket: s3.IBucket): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [rawBucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${LakePrefixes.rawEvents}*`] } },
    }),
  );
}
