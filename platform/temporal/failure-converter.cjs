// Temporal's failure converter with the message and stack trace of every failure moved into its encoded attributes,
// so the payload codec (codec.ts) encrypts them like any payload: an error message may quote the data a node read.
// CommonJS, because Temporal loads it by path twice: with `require` (clients and activities) and into the workflow
// bundle (webpack). Both the client (connection.ts) and the worker (apps/worker) name it.
'use strict';
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
