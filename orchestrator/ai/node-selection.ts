// Which node types a generation prompt describes, so the model sees those (with their config schemas) rather than
// the whole palette. Triggers and the basic flow, logic and data nodes are always in; others join by keyword: a
// synonym table for the built-in kinds of work ("summarize" means an LLM, "approve" a person, "slack" an HTTP call
// when there is no Slack node), and for any node type, the words of its type and display name, and of its
// description when two of them match. Deterministic: the same prompt and palette give the same list, in palette order.

/** What selection reads of a palette entry (apps/gateway/routes/palette.ts's NodeTypeView has these and more). */
export interface PaletteNodeType {
  type: string;
  displayName: string;
  description: string;
  category: string;
}

export const DEFAULT_MAX_NODE_TYPES = 16;

/** Always offered: a workflow is rarely without a branch, a merge or a value set (types absent from the palette are skipped). */
export const BASIC_NODE_TYPES: readonly string[] = ['logic.if', 'logic.switch', 'logic.merge', 'data.set', 'flow.noop', 'flow.stop_error'];

/**
 * Words and phrases (as stems, see `stem`) that ask for a node type. Services without a node of their own are
 * reached over HTTP, so they point at http.request; a node type named after the service is found by its name.
 */
const SYNONYMS: readonly [readonly string[], readonly string[]][] = [
  [
    ['http.request'],
    [
      'http',
      'https',
      'api',
      'rest',
      'fetch',
      'request',
      'endpoint',
      'url',
      'download',
      'upload',
      'call',
      'post',
      'get',
      'slack',
      'email',
      'mail',
      'e-mail',
      'smtp',
      'sendgrid',
      'mailgun',
      'notify',
      'notification',
      'discord',
      'teams',
      'telegram',
      'sms',
      'twilio',
      'github',
      'gitlab',
      'jira',
      'stripe',
      'shopify',
      'hubspot',
      'salesforce',
      'notion',
      'airtable',
      'sheet',
      'spreadsheet',
      'google',
      'zendesk',
      'pagerduty',
      'weather',
      'json api',
      'web',
    ],
  ],
  [
    ['code.javascript'],
    [
      'javascript',
      'js',
      'typescript',
      'node.js',
      'code',
      'script',
      'function',
      'transform',
      'compute',
      'calculate',
      'parse',
      'regex',
      'format',
      'convert',
    ],
  ],
  [['code.python'], ['python', 'py', 'pandas', 'numpy']],
  [
    ['llm.openai', 'llm.ollama'],
    [
      'llm',
      'ai',
      'gpt',
      'openai',
      'chatgpt',
      'model',
      'summarize',
      'summarise',
      'summary',
      'classify',
      'categorize',
      'translate',
      'sentiment',
      'extract',
      'generate',
      'draft',
      'rewrite',
      'prompt',
      'chat',
      'language model',
    ],
  ],
  [['llm.ollama'], ['ollama', 'llama', 'mistral', 'local model', 'self-hosted model', 'on-prem']],
  [['db.postgres'], ['database', 'db', 'sql', 'postgres', 'postgresql', 'psql', 'table', 'insert', 'upsert', 'row', 'query']],
  [
    ['files.read'],
    ['file', 'files', 'csv', 'pdf', 'docx', 'xlsx', 'spreadsheet', 'excel', 'upload', 'uploaded', 'document', 'read the file'],
  ],
  [['files.write'], ['save a file', 'write a file', 'save a report', 'export', 'report file', 'save it as']],
  [
    ['knowledge.search'],
    ['knowledge', 'knowledge base', 'docs', 'documentation', 'articles', 'passages', 'rag', 'our documents', 'search'],
  ],
  [
    ['human.approval'],
    ['approve', 'approval', 'approver', 'sign off', 'sign-off', 'review', 'confirm', 'manager', 'authorize', 'permission'],
  ],
  [['human.question'], ['ask', 'question', 'choose', 'choice', 'answer', 'form', 'input from', 'decide', 'pick']],
  [['flow.for_each'], ['loop', 'each', 'every item', 'for all', 'iterate', 'one by one', 'per item', 'individually']],
  [['flow.batch'], ['batch', 'chunk', 'group of', 'at a time']],
  [['flow.wait'], ['wait', 'delay', 'pause', 'sleep', 'later', 'after an hour', 'after a day', 'tomorrow']],
  [['trigger.schedule'], ['schedule', 'every day', 'every hour', 'daily', 'hourly', 'weekly', 'cron', 'every morning', 'nightly']],
  [['trigger.webhook'], ['webhook', 'incoming request', 'callback']],
];

const STOPWORDS: ReadonlySet<string> = new Set(
  'a an and are as at be by for from has have in into is it of on or that the then this to was when with will you your its their our out any all node nodes workflow flow logic step steps data run runs input output'.split(
    ' ',
  ),
);

const SCORE_SYNONYM = 3;
const SCORE_NAME = 3;
const SCORE_DESCRIPTION = 1;
/** Description words alone must agree at least this much: one shared word ("send", "list") is noise. */
const MIN_DESCRIPTION_MATCHES = 2;

/** A light suffix stripper: "emails" and "email", "approved" and "approve", "summarizes" and "summarize" meet. */
export function stem(word: string): string {
  for (const suffix of ['ing', 'ed', 'es', 's', 'e']) {
    if (word.length - suffix.length < 3 || !word.endsWith(suffix)) continue;
    if (suffix === 's' && word.endsWith('ss')) return word;
    return word.slice(0, -suffix.length);
  }
  return word;
}

/** Lowercased stems of the words of `text` (letters, digits, and the dots and dashes inside a word). */
function stems(text: string): string[] {
  return (text.toLowerCase().match(/[a-z0-9]+(?:[.-][a-z0-9]+)*/g) ?? []).map(stem);
}

export interface SelectionOptions<T> {
  max?: number;
  /**
   * Entries held to a quota of their own (a user's custom node types): never offered by default, whatever their
   * category, and at most `max` of them chosen, so they cannot crowd out the built-ins.
   */
  limited?: { test: (entry: T) => boolean; max: number };
}

export function selectNodeTypes<T extends PaletteNodeType>(prompt: string, palette: readonly T[], options: SelectionOptions<T> = {}): T[] {
  const max = options.max ?? DEFAULT_MAX_NODE_TYPES;
  const limited = options.limited;
  const words = stems(prompt);
  const wordSet = new Set(words);
  // Phrases are matched on the stemmed prompt with spaces around, so "every day" never matches "every daylight".
  const joined = ` ${words.join(' ')} `;
  const mentions = (phrase: string) => {
    const parts = stems(phrase);
    return parts.length === 1 ? wordSet.has(parts[0]!) : parts.length > 1 && joined.includes(` ${parts.join(' ')} `);
  };

  const score = new Map<string, number>();
  const add = (type: string, points: number) => score.set(type, (score.get(type) ?? 0) + points);
  for (const [types, phrases] of SYNONYMS) {
    const hits = phrases.filter(mentions).length;
    if (hits > 0) for (const type of types) add(type, hits * SCORE_SYNONYM);
  }
  for (const entry of palette) {
    const nameWords = new Set([...stems(entry.type.replace(/[._]/g, ' ')), ...stems(entry.displayName)].filter((w) => !STOPWORDS.has(w)));
    const nameHits = [...nameWords].filter((w) => wordSet.has(w)).length;
    if (nameHits > 0) add(entry.type, nameHits * SCORE_NAME);
    const descriptionWords = new Set(stems(entry.description).filter((w) => w.length >= 4 && !STOPWORDS.has(w)));
    const descriptionHits = [...descriptionWords].filter((w) => wordSet.has(w)).length;
    if (descriptionHits >= MIN_DESCRIPTION_MATCHES) add(entry.type, descriptionHits * SCORE_DESCRIPTION);
  }

  const always = (e: T) =>
    !limited?.test(e) && (e.type.startsWith('trigger.') || e.category === 'trigger' || BASIC_NODE_TYPES.includes(e.type));
  const chosen = new Set(palette.filter(always).map((e) => e.type));
  const candidates = palette
    .map((entry, index) => ({ entry, index, points: score.get(entry.type) ?? 0 }))
    .filter((c) => c.points > 0 && !chosen.has(c.entry.type))
    .sort((a, b) => b.points - a.points || a.index - b.index);
  let limitedChosen = 0;
  for (const c of candidates) {
    if (chosen.size >= max) break;
    if (limited?.test(c.entry)) {
      if (limitedChosen >= limited.max) continue;
      limitedChosen++;
    }
    chosen.add(c.entry.type);
  }
  return palette.filter((e) => chosen.has(e.type));
}
