// The `loom` module a custom Python node imports (Node, CredentialType, NodeError, field, and the context its
// execute() is given), as Python source. The custom runner (python-custom-guest.mjs) compiles it once and makes a
// fresh module of it for every call. Nothing in it is trusted: whatever it sends goes through the bridge function,
// whose requests the host validates; what it reads of a declaration is JSON the host validates too.

/** The guest SDK: `from loom import Node, CredentialType, NodeError, field`. */
export const LOOM_SDK_PY = String.raw`
"""Loom's SDK for custom nodes written in Python. See nodes/custom/protocol.ts for what crosses to the host."""
import json as _json
from urllib.parse import urlencode as _urlencode

__all__ = ['Node', 'CredentialType', 'NodeError', 'field', 'Response']

_MISSING = object()
_CO_COROUTINE = 0x80


class NodeError(Exception):
    """An error with a stable code: raised by a node, or by a context call the host refused (catchable)."""

    def __init__(self, code, message=None, details=None, retryable=None):
        if not isinstance(code, str) or not code:
            raise TypeError('NodeError needs a code (a non-empty string)')
        self.code = code
        self.message = code if message is None else str(message)
        self.details = details
        self.retryable = retryable
        super().__init__(self.message)

    def __str__(self):
        return f'{self.code}: {self.message}'


class DeclarationError(Exception):
    """The module does not declare a node Loom can read."""


class Field:
    """A field of a node or a credential type, as the palette describes it (nodes/sdk/fields.ts)."""

    __slots__ = ('spec',)

    def __init__(self, spec):
        self.spec = spec

    def __repr__(self):
        return f'Field({self.spec!r})'


def _field(kind, label, required=False, default=_MISSING, help=None, placeholder=None, secret=False, **extra):
    spec = {'kind': kind, 'label': label, 'required': bool(required)}
    if default is not _MISSING:
        spec['default'] = default
    if help is not None:
        spec['help'] = help
    if placeholder is not None:
        spec['placeholder'] = placeholder
    if secret:
        spec['secret'] = True
    for key, value in extra.items():
        if value is not None and value is not False:
            spec[key] = value
    return Field(spec)


def _options(values):
    options = []
    for value in values:
        if isinstance(value, str):
            options.append({'value': value, 'label': value})
        elif isinstance(value, dict):
            options.append({'value': value.get('value'), 'label': value.get('label', value.get('value'))})
        elif isinstance(value, (tuple, list)) and len(value) == 2:
            options.append({'value': value[0], 'label': value[1]})
        else:
            raise TypeError(f'an option is a string, a (value, label) pair or a dict, not {type(value).__name__}')
    return options


class _Fields:
    """field.string(label=...), field.number(label=..., min=, max=, int=), field.select(values, label=...), ...

    The options are those of nodes/sdk/fields.ts: required, default, help, placeholder, secret; language for code.
    """

    @staticmethod
    def string(label, **options):
        return _field('string', label, **options)

    @staticmethod
    def expression(label, **options):
        return _field('expression', label, **options)

    @staticmethod
    def code(label, *, language, **options):
        return _field('code', label, language=language, **options)

    @staticmethod
    def number(label, *, min=None, max=None, int=False, **options):
        return _field('number', label, min=min, max=max, int=bool(int), **options)

    @staticmethod
    def boolean(label, **options):
        return _field('boolean', label, **options)

    @staticmethod
    def json(label, **options):
        return _field('json', label, **options)

    @staticmethod
    def select(values, label, **options):
        return _field('select', label, options=_options(values), **options)

    @staticmethod
    def multiselect(values, label, **options):
        return _field('multiselect', label, options=_options(values), **options)


field = _Fields()


class CredentialType:
    """A credential type of the node's own: its fields (secret ones never shown again) and how Loom applies it."""

    type = None
    display_name = None
    description = None
    fields = {}
    apply = None


class Node:
    """A custom node: a declaration in class attributes, and async def execute(self, input, config, context)."""

    node_type = None
    version = 1
    display_name = None
    description = None
    category = None
    fields = {}
    inputs = None
    outputs = None
    credentials = None
    operations = None
    hosts = None
    timeout_ms = None

    async def execute(self, input, config, context):
        raise NotImplementedError('this node has no execute method')


# -- Declaration -------------------------------------------------------------------------------------------------

def _fields_json(fields):
    if not isinstance(fields, dict):
        return fields
    return {name: (value.spec if isinstance(value, Field) else value) for name, value in fields.items()}


def _handles_json(handles):
    if not isinstance(handles, (list, tuple)):
        return handles
    out = []
    for handle in handles:
        if isinstance(handle, dict) and 'data_type' in handle and 'dataType' not in handle:
            handle = {('dataType' if k == 'data_type' else k): v for k, v in handle.items()}
        out.append(handle)
    return out


def _listed(value):
    return list(value) if isinstance(value, (list, tuple)) else value


def _classes(namespace, base):
    found = []
    for value in namespace.values():
        if isinstance(value, type) and issubclass(value, base) and value is not base and value not in found:
            found.append(value)
    return found


def _the_node(namespace):
    nodes = _classes(namespace, Node)
    if not nodes:
        raise DeclarationError('the module defines no node: a class that extends loom.Node')
    if len(nodes) > 1:
        names = ', '.join(cls.__name__ for cls in nodes)
        raise DeclarationError(f'the module defines {len(nodes)} nodes ({names}); a module declares exactly one')
    return nodes[0]


def _is_async(function):
    code = getattr(function, '__code__', None)
    return code is not None and bool(code.co_flags & _CO_COROUTINE)


def _describe(namespace):
    cls = _the_node(namespace)
    execute = getattr(cls, 'execute', None)
    node = {
        'type': cls.node_type,
        'version': cls.version,
        'displayName': cls.display_name,
        'description': cls.description,
        'category': cls.category,
        'fields': _fields_json(cls.fields),
        'inputs': _handles_json(cls.inputs),
        'outputs': _handles_json(cls.outputs),
        'credentials': _listed(cls.credentials),
        'operations': _listed(cls.operations),
        'hosts': _listed(cls.hosts),
        'timeoutMs': cls.timeout_ms,
        'hasExecute': execute is not Node.execute and _is_async(execute),
        'hasDescribe': False,
    }
    credential_types = [
        {
            'type': ct.type,
            'displayName': ct.display_name,
            'description': ct.description,
            'fields': _fields_json(ct.fields),
            'apply': ct.apply,
        }
        for ct in _classes(namespace, CredentialType)
    ]
    return {'node': node, 'credentialTypes': credential_types}


# -- Execution ---------------------------------------------------------------------------------------------------

class _Ready:
    """An awaitable that has completed: the bridge answered before the call returned."""

    __slots__ = ('_value',)

    def __init__(self, value):
        self._value = value

    def __await__(self):
        return self._value
        yield


class _Bridge:
    __slots__ = ('_send',)

    def __init__(self, send):
        self._send = send

    def call(self, op, args):
        answer = _json.JSONDecoder().decode(self._send(op, _json.JSONEncoder(allow_nan=False).encode(args)))
        if 'interrupted' in answer:
            raise KeyboardInterrupt
        if 'error' in answer:
            error = answer['error']
            raise NodeError(error.get('code') or 'NODE_INTERNAL', error.get('message'), retryable=error.get('retryable'))
        return answer.get('ok')


class Response:
    """What context.http.fetch answers: status, ok, status_text, url, headers (lower-case names), text, json()."""

    def __init__(self, answer):
        self.status = answer.get('status')
        self.status_text = answer.get('statusText') or ''
        self.url = answer.get('url')
        self.headers = {str(name).lower(): value for name, value in (answer.get('headers') or {}).items()}
        self.text = answer.get('body') or ''
        self.ok = isinstance(self.status, int) and 200 <= self.status < 300

    def json(self):
        return _json.loads(self.text)

    def __repr__(self):
        return f'<Response {self.status} {self.url}>'


class _Http:
    def __init__(self, bridge):
        self._bridge = bridge

    def fetch(self, url, method='GET', headers=None, params=None, body=None, json=_MISSING, credential=None,
              timeout_ms=None):
        if not isinstance(url, str):
            raise TypeError('url must be a string')
        if params:
            url += ('&' if '?' in url else '?') + _urlencode(params, doseq=True)
        headers = dict(headers or {})
        if json is not _MISSING:
            if body is not None:
                raise TypeError('pass either body= or json=, not both')
            body = _json.JSONEncoder(allow_nan=False).encode(json)
            if not any(str(name).lower() == 'content-type' for name in headers):
                headers['content-type'] = 'application/json'
        if body is not None and not isinstance(body, str):
            raise TypeError('body must be a string (or pass json=)')
        args = {'url': url, 'method': method}
        if headers:
            args['headers'] = headers
        if body is not None:
            args['body'] = body
        if credential is not None:
            args['credential'] = credential
        if timeout_ms is not None:
            args['timeoutMs'] = timeout_ms
        return _Ready(Response(self._bridge.call('http.fetch', args)))


class _Credentials:
    def __init__(self, bridge, attached):
        self._bridge = bridge
        self._attached = attached

    def has(self, slot):
        return slot in self._attached

    def get(self, slot):
        return _Ready(self._bridge.call('credentials.get', {'slot': slot}))


class _Log:
    def __init__(self, bridge):
        self._bridge = bridge

    def _log(self, level, message, data):
        args = {'level': level, 'message': str(message)}
        if data:
            args['data'] = data
        self._bridge.call('log', args)
        return _Ready(None)

    def info(self, message, **data):
        return self._log('info', message, data)

    def warn(self, message, **data):
        return self._log('warn', message, data)

    def error(self, message, **data):
        return self._log('error', message, data)


class _Knowledge:
    def __init__(self, bridge):
        self._bridge = bridge

    def search(self, kb_id, query, top_k=5, source_ids=None):
        args = {'knowledgeBaseId': kb_id, 'query': query, 'topK': top_k}
        if source_ids is not None:
            args['sourceIds'] = list(source_ids)
        return _Ready(self._bridge.call('knowledge.search', args))


class _Files:
    def __init__(self, bridge):
        self._bridge = bridge

    def read(self, file_id):
        return _Ready(self._bridge.call('files.read', {'fileId': file_id}))


class Context:
    """What execute() is given besides input and config: the call's identity and the bridged capabilities."""

    def __init__(self, meta, send):
        bridge = _Bridge(send)
        self._bridge = bridge
        self.run_id = meta['runId']
        self.node_id = meta['nodeId']
        self.attempt = meta['attempt']
        self.idempotency_key = meta['idempotencyKey']
        self.http = _Http(bridge)
        self.credentials = _Credentials(bridge, frozenset(meta['attachedSlots']))
        self.log = _Log(bridge)
        self.knowledge = _Knowledge(bridge)
        self.files = _Files(bridge)

    def progress(self, message, fraction=None):
        args = {'message': str(message)}
        if fraction is not None:
            args['fraction'] = fraction
        self._bridge.call('progress', args)
        return _Ready(None)


def _execute(namespace, input, config, meta, send):
    cls = _the_node(namespace)
    coroutine = cls().execute(input, config, Context(meta, send))
    if type(coroutine).__name__ != 'coroutine':
        raise TypeError('execute must be declared with async def')
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError('execute awaited something other than a context call; only the context is awaitable here '
                       '(there is no event loop: asyncio is not available)')
`;
