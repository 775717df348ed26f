import { createRequest, createResponse } from '../sip/message/index.js';
import type { SipRequest, SipResponse, Uri } from '../sip/message/types.js';

const uri = (user: string, host = '127.0.0.1', port = 5090): Uri => ({ scheme: 'sip', user, host, port, params: {}, headers: {} });

/** A minimal valid request for transaction-level tests. */
export function testRequest(method: string, opts: { branch?: string; transport?: string; seq?: number } = {}): SipRequest {
  const branch = opts.branch ?? 'z9hG4bKtest1';
  return createRequest({
    method,
    uri: uri('bob'),
    via: [{ transport: opts.transport ?? 'UDP', host: '127.0.0.1', port: 5070, branch, params: { branch } }],
    from: { uri: uri('alice', '127.0.0.1', 5070), params: { tag: 'fromtag' } },
    to: { uri: uri('bob'), params: {} },
    callId: 'call-1@test',
    cseq: { seq: opts.seq ?? 1, method },
  });
}

export function testResponse(req: SipRequest, status: number, toTag = 'totag'): SipResponse {
  return createResponse(req, status, { toTag: status > 100 ? toTag : undefined });
}
