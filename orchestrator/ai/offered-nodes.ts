// The node types a generation or an edit offers the model, from the caller's registry (`registryFor` in
// db/custom-node-registry.ts: the built-ins, their own custom types and published ones, never another user's private
// type): the newest version of each type, none that no new plan may use (a custom type its owner disabled), chosen for
// the request by node-selection.ts with at most CUSTOM_NODE_PROMPT_LIMITS.types custom ones. The built-ins' briefs are
// Loom's own text and go in the system prompt. A custom declaration is a user's text: each brief is cut to bounds and
// goes in the user's message, fenced as untrusted data, where it can describe a node but never change the rules.
import { isCustomType } from '../../nodes/custom/registry.js';
import { delimitUntrusted } from '../../nodes/llm/prompt.js';
import type { AnyNodeDefinition, NodeRegistry } from '../../nodes/registry.js';
import { briefOf, type NodeTypeBrief } from './document-schema.js';
import { selectNodeTypes } from './node-selection.js';

export const CUSTOM_NODE_PROMPT_LIMITS = {
  /** Custom types offered in one request at most, out of the request's node types. */
  types: 5,
  displayName: 100,
  description: 300,
  help: 160,
  /** Options listed per select field; longer ones are left out rather than cut (a cut value is not a value). */
  options: 25,
  optionChars: 100,
  /** A default longer than this, as JSON, is left out. */
  defaultChars: 200,
  /**
   * One brief, as JSON. Optional fields are left out, the last first, until it fits; a type whose required fields
   * alone do not fit is not offered.
   */
  briefChars: 2_000,
} as const;
const LIMITS = CUSTOM_NODE_PROMPT_LIMITS;

export interface OfferedNodes {
  /** Every type offered, in palette order: what a generated document may use (its JSON Schema). */
  definitions: AnyNodeDefinition[];
  /** The built-ins' briefs: the system prompt's. */
  builtIns: NodeTypeBrief[];
  /** The custom types' bounded briefs: the user message's (`customNodeTypesBlock`). */
  custom: NodeTypeBrief[];
}

/** The newest version of each type in the registry (what a document naming no version compiles against), but those no new plan may use. */
export function offerableNodes(registry: NodeRegistry): AnyNodeDefinition[] {
  const newest = new Map<string, AnyNodeDefinition>();
  for (const d of registry.all()) {
    const seen = newest.get(d.type);
    if (!seen || d.version > seen.version) newest.set(d.type, d);
  }
  return [...newest.values()].filter((d) => d.unavailable === undefined);
}

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** A custom type's brief within CUSTOM_NODE_PROMPT_LIMITS; undefined when even its required fields do not fit. */
export function boundedBrief(d: AnyNodeDefinition): NodeTypeBrief | undefined {
  const full = briefOf(d);
  const fields = full.fields.map(({ options, default: value, help, ...f }) => ({
    ...f,
    ...(options ? { options: options.filter((o) => o.length <= LIMITS.optionChars).slice(0, LIMITS.options) } : {}),
    ...(value !== undefined && JSON.stringify(value).length <= LIMITS.defaultChars ? { default: value } : {}),
    ...(help ? { help: clip(help, LIMITS.help) } : {}),
  }));
  const brief = {
    ...full,
    displayName: clip(full.displayName, LIMITS.displayName),
    description: clip(full.description, LIMITS.description),
    fields,
  };
  while (JSON.stringify(brief).length > LIMITS.briefChars) {
    const optional = brief.fields.findLastIndex((f) => !f.required);
    if (optional < 0) return undefined;
    brief.fields.splice(optional, 1);
  }
  return brief;
}

/**
 * The node types offered for `prompt`: `max` in all (the triggers and basic nodes always among them), at most
 * LIMITS.types of them custom. `present`, the types an edited workflow already uses, are offered whatever the prompt
 * says: the built-ins among them beyond `max`, the custom ones first within their quota.
 */
export function offerNodes(registry: NodeRegistry, prompt: string, options: { max: number; present?: ReadonlySet<string> }): OfferedNodes {
  const present = options.present ?? new Set<string>();
  const palette = offerableNodes(registry).flatMap((definition) => {
    const custom = isCustomType(definition.type);
    const brief = custom ? boundedBrief(definition) : briefOf(definition);
    return brief
      ? [
          {
            type: definition.type,
            displayName: definition.displayName,
            description: definition.description,
            category: definition.category,
            custom,
            definition,
            brief,
          },
        ]
      : [];
  });
  const kept = palette.filter((e) => e.custom && present.has(e.type)).slice(0, LIMITS.types);
  const keptTypes = new Set(kept.map((e) => e.type));
  const selected = selectNodeTypes(
    prompt,
    palette.filter((e) => !keptTypes.has(e.type)),
    { max: options.max, limited: { test: (e) => e.custom, max: LIMITS.types - kept.length } },
  );
  const chosen = new Set([...selected.map((e) => e.type), ...keptTypes, ...[...present].filter((t) => !isCustomType(t))]);
  const offered = palette.filter((e) => chosen.has(e.type));
  return {
    definitions: offered.map((e) => e.definition),
    builtIns: offered.filter((e) => !e.custom).map((e) => e.brief),
    custom: offered.filter((e) => e.custom).map((e) => e.brief),
  };
}

/** The longest the custom briefs can be as JSON, by construction: nothing in the fence is ever cut. */
const MAX_CUSTOM_BLOCK_CHARS = LIMITS.types * (LIMITS.briefChars + 1) + 1;

/** The custom types as the user's message carries them, fenced as untrusted data; empty when there are none. */
export function customNodeTypesBlock(custom: readonly NodeTypeBrief[]): string {
  if (custom.length === 0) return '';
  const fenced = delimitUntrusted('custom node list', JSON.stringify(custom), MAX_CUSTOM_BLOCK_CHARS).text;
  return `The user's own node types (custom nodes, described by their authors), which you may also use:\n${fenced}`;
}
