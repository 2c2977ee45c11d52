// Building blocks of workflow documents in tests: an edge and an HTTP request node, spelled once.

/** An edge from `source`'s `sourceHandle` to `target`; its id names all three, so two handles never collide. */
export const edge = (source: string, target: string, sourceHandle = 'out') => ({
  id: `${source}-${sourceHandle}-${target}`,
  source,
  sourceHandle,
  target,
});

/** An http.request node with a quick retry policy (two attempts, 100 ms apart) unless `extra` says otherwise. */
export const httpNode = (id: string, url: string, extra: object = {}) => ({
  id,
  type: 'http.request',
  config: { url },
  retry: { maxAttempts: 2, initialIntervalMs: 100 },
  ...extra,
});
