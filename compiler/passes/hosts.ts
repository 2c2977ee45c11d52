// The approval policy for calls out of Loom. A workflow that declares `settings.allowedHosts` has every node that
// calls another host ask a person first: the host is read from the config where the node type can say it, and a
// host only known at run time (an expression picks it) counts as unlisted. Without an allowlist nothing is gated
// here (the sensitive operations still are). A node's own `approval` setting wins either way. Hosts are compared
// as compiler/request-host.ts reads them, the reading the HTTP client checks each hop with at run time.
import { diagnostic, type Diagnostic } from '../diagnostics.js';
import { hostAllowed } from '../request-host.js';
import { nodeLabel, type NodesPass } from './nodes.js';

/** The ids of nodes the allowlist sends to approval, each reported once as a warning the editor can show. */
export function checkHosts(nodes: NodesPass, allowed: readonly string[] | undefined, out: Diagnostic[]): Set<string> {
  const gated = new Set<string>();
  if (!allowed) return gated;
  for (const r of nodes.resolved.values()) {
    // An explicit approval setting is the author's decision; an invalid config is reported already.
    if (r.node.approval !== undefined || !r.outputs) continue;
    if (!r.info.operations(r.config).includes('external_api')) continue;
    const hosts = r.info.hosts?.(r.config);
    const unlisted = hosts?.filter((h) => !hostAllowed(h, allowed));
    if (hosts && unlisted?.length === 0) continue;
    gated.add(r.node.id);
    const what = unlisted
      ? `calls ${unlisted.join(', ')}, which ${unlisted.length > 1 ? 'are' : 'is'} not on this workflow's allowlist`
      : 'calls a host chosen at run time';
    out.push(
      diagnostic('UNLISTED_HOST', `Node ${nodeLabel(r.node)} ${what}: every run asks for approval before it`, {
        nodeId: r.node.id,
        path: ['nodes', r.index],
        ...(unlisted ? { details: { hosts: unlisted } } : {}),
      }),
    );
  }
  return gated;
}
