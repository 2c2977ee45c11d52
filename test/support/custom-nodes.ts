// Custom nodes in tests: the README's Trello node as an author uploads it, the transpiler as the upload runs it, and
// a host bridge that records what a node asked and answers as the host would (the runtime's interface, not a mock).
import type { BridgeOp, CustomNodeBridge } from '../../nodes/custom/protocol.js';
import { transpileCustomNode, type CustomNodeLanguage } from '../../nodes/sandbox/custom-javascript-transpile.js';

/** The README's Trello node ("Adding a node"), unchanged but for its import and its default export. TypeScript. */
export const TRELLO_NODE_SOURCE = `import { defineCredentialType, defineNode, field, NodeError } from '@loom/sdk';

export const trelloApi = defineCredentialType({
  type: 'trelloApi',
  displayName: 'Trello',
  description: 'API key and token from trello.com/app-key.',
  fields: {
    apiKey: field.string({ label: 'API key', required: true }),
    token: field.string({ label: 'Token', required: true, secret: true }),
  },
});

export const trelloCreateCard = defineNode({
  type: 'trello.create_card',
  version: 1,
  displayName: 'Trello: create card',
  category: 'network',
  description: 'Creates a card in a Trello list.',
  kind: 'activity',                       // side effects run as a Temporal activity
  fields: {
    listId: field.string({ label: 'List ID', required: true }),
    name: field.string({ label: 'Card title', required: true, placeholder: '{{ $json.subject }}' }),
    description: field.string({ label: 'Description' }),
  },
  inputs: [{ name: 'in', dataType: 'any' }],
  outputs: [{ name: 'out', dataType: 'json' }],
  credentials: [{ slot: 'trello', types: ['trelloApi'], required: true }],
  operations: () => ['external_api'],     // the approval policy reads this
  hosts: () => ['api.trello.com'],        // checked against a workflow's allowedHosts
  async execute(_input, config, context) {
    // config is typed from the fields, with {{ }} expressions already resolved.
    const { values } = await context.credentials.get('trello');
    const url = new URL('https://api.trello.com/1/cards');
    url.search = new URLSearchParams({ idList: config.listId, name: config.name, desc: config.description ?? '', key: values.apiKey ?? '', token: values.token ?? '' }).toString();
    const res = await context.http.fetch(url, { method: 'POST' }); // timeout, cancellation and SSRF guard included
    if (!res.ok) throw new NodeError(res.status === 429 || res.status >= 500 ? 'HTTP_RETRYABLE_STATUS' : 'HTTP_STATUS', \`Trello answered \${res.status}\`, { status: res.status });
    const card = (await res.json()) as { id: string; shortUrl: string };
    return { id: card.id, url: card.shortUrl };
  },
});

export default trelloCreateCard;
`;

/** A Trello node's source calling `base` (a local server speaking Trello's API) where it says api.trello.com. */
export function againstLocalTrello(source: string, base: string): string {
  return source.replaceAll('https://api.trello.com', base).replaceAll("'api.trello.com'", `'${new URL(base).hostname}'`);
}

/** The module the sandbox runs; a source that does not transpile fails the test with esbuild's problems. */
export async function transpiled(source: string, language: CustomNodeLanguage = 'javascript'): Promise<string> {
  const result = await transpileCustomNode(source, language);
  if (!result.ok) throw new Error(`${result.error.message} ${JSON.stringify(result.problems)}`);
  return result.code;
}

export type BridgeAnswer = (op: BridgeOp, args: unknown) => unknown;

/** A host bridge that records every request and answers with `answer` (which may throw a NodeError). */
export function recordingBridge(answer: BridgeAnswer = () => null): { calls: { op: BridgeOp; args: unknown }[]; bridge: CustomNodeBridge } {
  const calls: { op: BridgeOp; args: unknown }[] = [];
  const bridge: CustomNodeBridge = async (op, args) => {
    calls.push({ op, args });
    return answer(op, args);
  };
  return { calls, bridge };
}
