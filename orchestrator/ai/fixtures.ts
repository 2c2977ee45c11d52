// Documents the orchestrator/ai tests share: a small order workflow over real node types (it compiles with the
// built-in registry's catalog).
import type { WorkflowDocument } from '../../compiler/document.js';

/** start -> 'Fetch orders' -> 'Filter' (IF total > 100) -true-> big (no name). */
export function ordersDocument(): WorkflowDocument {
  return {
    name: 'Orders',
    nodes: [
      { id: 'start', type: 'trigger.manual', name: 'Start', config: {} },
      { id: 'fetch', type: 'http.request', name: 'Fetch orders', config: { url: 'https://api.example.com/orders' } },
      {
        id: 'filter',
        type: 'logic.if',
        name: 'Filter',
        config: { conditions: [{ left: '{{ $json.body.total }}', operator: 'gt', right: 100 }] },
      },
      { id: 'big', type: 'data.set', config: { assignments: [{ name: 'big', value: true }] } },
    ],
    edges: [
      { id: 'e1', source: 'start', sourceHandle: 'out', target: 'fetch', targetHandle: 'in' },
      { id: 'e2', source: 'fetch', sourceHandle: 'out', target: 'filter', targetHandle: 'in' },
      { id: 'e3', source: 'filter', sourceHandle: 'true', target: 'big', targetHandle: 'in' },
    ],
  };
}
