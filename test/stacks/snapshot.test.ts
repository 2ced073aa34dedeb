import { Template } from 'aws-cdk-lib/assertions';
import { buildVariant } from '../support/app';
import { VARIANTS } from '../support/variants';

// One snapshot per variant; the serializer in test/support replaces asset hashes so these are stable on any machine.
test.each(Object.entries(VARIANTS))('variant %s matches its snapshot', (_name, context) => {
  const { stacks } = buildVariant(context);
  const templates = Object.fromEntries(stacks.all.map((s) => [s.stackName, Template.fromStack(s).toJSON()]));
  expect(templates).toMatchSnapshot();
});
