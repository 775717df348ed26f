import { createRequest } from '../message/index.js';
import type { NameAddr, SipHeader, SipRequest, SipResponse, Uri, Via } from '../message/types.js';

/** RFC 3261 §12.1: a dialog is identified by Call-ID, local tag and remote tag. */
export interface DialogId {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
}

/** RFC 3261 §12: dialog state as plain data. */
export interface DialogState {
  readonly id: DialogId;
  /** Our From (UAC) / To (UAS), with our tag. */
  readonly local: NameAddr;
  /** Their To (UAC) / From (UAS), with their tag. */
  readonly remote: NameAddr;
  readonly localSeq: number;
  /** Undefined until they send a request in the dialog (UAC side). */
  readonly remoteSeq?: number;
  readonly remoteTarget: Uri;
  /** In the order requests must traverse it (§12.1.1 reverses Record-Route for the UAC). */
  readonly routeSet: readonly NameAddr[];
  /**
   * §8.1.2: the route pre-loaded on the dialog-creating INVITE (an outbound proxy). In-dialog
   * requests use it while the route set is empty, so they leave through the same proxy.
   */
  readonly outboundRoute?: readonly NameAddr[];
  readonly secure: boolean;
}

export function dialogKey(id: DialogId): string {
  return `${id.callId}|${id.localTag}|${id.remoteTag}`;
}

function tagOf(n: NameAddr): string {
  return n.params.tag ?? '';
}

/** §12.1.2: the UAC's view, from the INVITE and a dialog-creating 1xx/2xx with a To tag. */
export function uacDialogState(invite: SipRequest, res: SipResponse): DialogState {
  return {
    id: { callId: invite.callId, localTag: tagOf(invite.from), remoteTag: tagOf(res.to) },
    local: invite.from,
    remote: res.to,
    localSeq: invite.cseq.seq,
    remoteTarget: res.contact[0]?.uri ?? invite.uri,
    routeSet: [...res.recordRoute].reverse(),
    ...(invite.route.length > 0 ? { outboundRoute: invite.route } : {}),
    secure: invite.uri.scheme === 'sips',
  };
}

/** §12.1.1: the UAS's view, from the dialog-creating request and the tag we put in To. */
export function uasDialogState(req: SipRequest, localTag: string): DialogState {
  return {
    id: { callId: req.callId, localTag, remoteTag: tagOf(req.from) },
    local: { ...req.to, params: { ...req.to.params, tag: localTag } },
    remote: req.from,
    localSeq: 0, // §12.1.1: empty until we send; the first request uses 1
    remoteSeq: req.cseq.seq,
    remoteTarget: req.contact[0]?.uri ?? { scheme: 'sip', host: req.via[0]?.host ?? '', params: {}, headers: {} },
    routeSet: req.recordRoute,
    secure: req.uri.scheme === 'sips',
  };
}

/** The route requests in the dialog follow: the route set, else the outbound proxy (§8.1.2). */
function effectiveRoute(s: DialogState): readonly NameAddr[] {
  return s.routeSet.length > 0 ? s.routeSet : (s.outboundRoute ?? []);
}

/** §12.2.1.1: loose routing when the first route has `lr`, strict routing otherwise. */
export function requestRouting(s: DialogState): { uri: Uri; route: readonly NameAddr[] } {
  const routes = effectiveRoute(s);
  if (routes.length === 0) return { uri: s.remoteTarget, route: [] };
  const first = routes[0].uri;
  const loose = 'params' in first && first.scheme !== 'tel' && 'lr' in first.params;
  if (loose) return { uri: s.remoteTarget, route: routes };
  const rest = routes.slice(1);
  return { uri: first, route: [...rest, { uri: s.remoteTarget, params: {} }] };
}

/** The URI the next request in the dialog is physically sent towards (§12.2.1.1, §8.1.2). */
export function nextHop(s: DialogState): Uri {
  const routes = effectiveRoute(s);
  return routes.length > 0 ? routes[0].uri : s.remoteTarget;
}

export interface InDialogRequestInit {
  readonly method: string;
  readonly via: Via;
  readonly contact?: NameAddr;
  readonly headers?: readonly SipHeader[];
  readonly body?: Buffer | string;
  readonly contentType?: string;
  /** For ACK and CANCEL the CSeq number is not a new one. */
  readonly cseq?: number;
}

/** Builds a request within the dialog (§12.2.1.1). The caller bumps `localSeq` (see `nextLocalSeq`). */
export function buildInDialogRequest(s: DialogState, init: InDialogRequestInit): SipRequest {
  const { uri, route } = requestRouting(s);
  return createRequest({
    method: init.method,
    uri,
    via: [init.via],
    from: s.local,
    to: s.remote,
    callId: s.id.callId,
    cseq: { seq: init.cseq ?? s.localSeq, method: init.method },
    contact: init.contact ? [init.contact] : undefined,
    route,
    headers: init.headers,
    body: init.body,
    contentType: init.contentType,
  });
}

export function nextLocalSeq(s: DialogState): DialogState {
  return { ...s, localSeq: s.localSeq + 1 };
}

/** §12.2.2: a request with a lower CSeq than the last one is out of order (answer 500). */
export function acceptRemoteSeq(s: DialogState, seq: number): DialogState | undefined {
  if (s.remoteSeq !== undefined && seq < s.remoteSeq) return undefined;
  return { ...s, remoteSeq: seq };
}

/** §12.2 target refresh: a re-INVITE (or its 2xx) with a Contact replaces the remote target. */
export function refreshTarget(s: DialogState, contact: readonly NameAddr[]): DialogState {
  return contact[0] ? { ...s, remoteTarget: contact[0].uri } : s;
}
