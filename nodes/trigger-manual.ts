// trigger.manual: a run started by a person or an API call; its output is the run's input.
import { defineNode } from './sdk/node.js';

export const manualTrigger = defineNode({
  type: 'trigger.manual',
  version: 1,
  displayName: 'Manual trigger',
  category: 'trigger',
  description: 'Starts the workflow when you click Run or call the API; passes the run input on.',
  kind: 'trigger',
  fields: {},
  inputs: [],
  outputs: [{ name: 'out', dataType: 'json' }],
  operations: () => ['pure'],
});
