// The sandboxes custom nodes run in, by language: isolated-vm for JavaScript (TypeScript transpiled first), Pyodide
// for Python. One process-wide runtime, as the code nodes share theirs; owners never share an isolate or interpreter.
import { extractJavaScriptNode, runCustomJavaScript } from '../sandbox/custom-javascript.js';
import { transpileCustomNode } from '../sandbox/custom-javascript-transpile.js';
import { extractPythonNode, runCustomPython } from '../sandbox/custom-python.js';
import type { CustomNodeRuntime } from './definition.js';

export const sandboxRuntime: CustomNodeRuntime = {
  run: (language, call, bridge, options) =>
    language === 'python' ? runCustomPython(call, bridge, options) : runCustomJavaScript(call, bridge, options),
  async prepare(sourceLanguage, source) {
    if (sourceLanguage === 'python') return { ok: true, code: source };
    const result = await transpileCustomNode(source, sourceLanguage);
    if (result.ok) return result;
    const first = result.problems[0];
    return { ok: false, message: result.error.message, ...(first ? { line: first.line, column: first.column } : {}) };
  },
  extract: (language, code, owner) => (language === 'python' ? extractPythonNode(code, { owner }) : extractJavaScriptNode(code, { owner })),
};
