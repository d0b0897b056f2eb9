import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';

/**
 * A stage's table: the `TableName` output of its stack `gatehouse-<stage>`. CloudFormation
 * generates the table's name (so that `remove` then `deploy` works), so operator scripts ask the
 * stack rather than guess the name.
 */
export async function stageTable(stage: string, region?: string): Promise<string> {
  const cloudFormation = new CloudFormationClient(region ? { region } : {});
  const { Stacks } = await cloudFormation.send(
    new DescribeStacksCommand({ StackName: `gatehouse-${stage}` }),
  );
  const table = Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === 'TableName')?.OutputValue;
  if (!table) throw new Error(`stack gatehouse-${stage} has no TableName output`);
  return table;
}
