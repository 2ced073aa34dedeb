import { CfnOutput, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { Outputs } from '../../contracts/outputs';
import viewTable from '../../contracts/view-table.json';

export interface ViewTableProps {
  /** The customer-managed key the table is encrypted with. */
  readonly encryptionKey: kms.IKey;
  /**
   * What happens to the table when the stack is deleted.
   * @default RemovalPolicy.RETAIN - views outlive the stack
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Refuse deletion of the table through the API (on for prod).
   * @default true
   */
  readonly deletionProtection?: boolean;
}

/**
 * The views table: every view (speed, batch, flink-vN) in one on-demand table, keyed as in
 * `lib/contracts/view-table.json`, so one Query answers "counts for content X and type T between t1 and t2 by minute".
 */
export class ViewTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: ViewTableProps) {
    super(scope, id);
    // Table (not TableV2): TableV2 with a customer-managed key needs a region-bound stack; these stay env-agnostic.
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: viewTable.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: viewTable.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: viewTable.attributes.expiresAt,
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    new CfnOutput(this, 'ViewTableNameOutput', { key: Outputs.viewTableName, value: this.table.tableName });
  }
}
