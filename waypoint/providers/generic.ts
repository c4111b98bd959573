// Any other HTTP traffic: forwarded byte for byte, audited, and policy-checked by method, host and path.
import { jsonEvent } from '../streaming/sse.js';
import { emptyRequest, errorFields, type Provider, type StreamTracker } from './types.js';

const passTracker: StreamTracker = {
  observe: () => ({}),
  text: () => undefined,
  withText: (ev) => ev,
};

export const generic: Provider = {
  name: 'generic',
  apiFor: () => 'http',
  hasJsonBody: () => false,
  requestSlots: () => [],
  parse: (api) => emptyRequest('generic', api),
  inspectsResponse: () => false,
  parseResponse: () => ({ toolCalls: [], usage: undefined }),
  responseSlots: () => [],
  stream: () => passTracker,
  errorBody(err) {
    return { error: { ...errorFields(err), type: err.kind } };
  },
  streamError(err) {
    return jsonEvent(this.errorBody(err));
  },
};
