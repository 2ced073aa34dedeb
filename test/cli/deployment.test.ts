import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { resolveDeployment } from '../../cli/lib/deployment';
import { ExitCode, NotDeployedError } from '../../cli/lib/errors';
import { Outputs } from '../../lib/contracts/outputs';

const cfn = mockClient(CloudFormationClient);
beforeEach(() => cfn.reset());
const client = () => new CloudFormationClient({ region: 'us-east-1' });

function stack(name: string, outputs: Record<string, string>, architecture = 'lambda') {
  cfn.on(DescribeStacksCommand, { StackName: name }).resolves({
    Stacks: [
      {
        StackName: name,
        CreationTime: new Date(0),
        StackStatus: 'CREATE_COMPLETE',
        Tags: [{ Key: 'streamlake:architecture', Value: architecture }],
        Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  });
}

describe('resolveDeployment', () => {
  test('merges the outputs of every Streamlake-<Stage>-* stack, across pages, ignoring other stages', async () => {
    cfn
      .on(ListStacksCommand)
      .resolvesOnce({
        StackSummaries: [
          { StackName: 'Streamlake-Dev-Storage', CreationTime: new Date(0), StackStatus: 'CREATE_COMPLETE' },
          {
            StackName: 'Streamlake-Prod-Ingestion',
            CreationTime: new Date(0),
            StackStatus: 'CREATE_COMPLETE',
          },
        ],
        NextToken: 'page2',
      })
      .resolvesOnce({
        StackSummaries: [
          {
            StackName: 'Streamlake-Dev-Ingestion',
            CreationTime: new Date(0),
            StackStatus: 'UPDATE_COMPLETE',
          },
        ],
      });
    stack('Streamlake-Dev-Storage', { [Outputs.viewTableName]: 'views-table' });
    stack('Streamlake-Dev-Ingestion', { [Outputs.streamName]: 'events-stream' });
    const d = await resolveDeployment(client(), 'dev');
    expect(d.get(Outputs.streamName)).toBe('events-stream');
    expect(d.get(Outputs.viewTableName)).toBe('views-table');
    expect(d.stacks).toEqual(['Streamlake-Dev-Ingestion', 'Streamlake-Dev-Storage']);
    expect(d.architecture).toBe('lambda');
    expect(cfn.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input.StackName)).not.toContain(
      'Streamlake-Prod-Ingestion',
    );
  });

  test('fails with exit code 3 naming the stage when nothing is deployed', async () => {
    cfn.on(ListStacksCommand).resolves({ StackSummaries: [] });
    const err = await resolveDeployment(client(), 'prod').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotDeployedError);
    expect((err as NotDeployedError).exitCode).toBe(ExitCode.notDeployed);
    expect((err as Error).message).toMatch(
      /stage prod is not deployed: no CloudFormation stack named Streamlake-Prod-\*/,
    );
  });

  test('fails with exit code 3 naming the stage and the output when an output is missing', async () => {
    cfn.on(ListStacksCommand).resolves({
      StackSummaries: [
        { StackName: 'Streamlake-Dev-Storage', CreationTime: new Date(0), StackStatus: 'CREATE_COMPLETE' },
      ],
    });
    stack('Streamlake-Dev-Storage', {});
    const d = await resolveDeployment(client(), 'dev');
    expect(() => d.get(Outputs.flinkApplicationName, 'replay needs the kappa architecture')).toThrow(
      expect.objectContaining({
        exitCode: ExitCode.notDeployed,
        message: expect.stringMatching(
          /stage dev: no stack exports the output 'FlinkApplicationName' \(replay needs the kappa/,
        ),
      }),
    );
  });

  test('fails with exit code 3 when the stage runs another architecture', async () => {
    cfn.on(ListStacksCommand).resolves({
      StackSummaries: [
        { StackName: 'Streamlake-Dev-Storage', CreationTime: new Date(0), StackStatus: 'CREATE_COMPLETE' },
      ],
    });
    stack('Streamlake-Dev-Storage', {}, 'lambda');
    await expect(resolveDeployment(client(), 'dev', 'kappa')).rejects.toThrow(
      /deployed with the lambda architecture, not kappa/,
    );
  });
});
