/**
 * SIPREC recording metadata (RFC 7865, `application/rs-metadata+xml`): the communication session,
 * its two participants, and which of the recording session's streams (SDP `a=label`) each one
 * sends and receives. Identifiers are base64 UUIDs (RFC 7865 §6.1).
 */
import { randomUUID } from 'node:crypto';

export const METADATA_CONTENT_TYPE = 'application/rs-metadata+xml';

/** One side of the recorded call. */
export interface RecordedParticipant {
  /** Its address of record (a SIP URI), e.g. `sip:+15550100@gateway`. */
  readonly aor: string;
  readonly name?: string;
  /** The `a=label` of the stream that carries what this participant says. */
  readonly sends: string;
}

export interface RecordingMetadataInput {
  /** The communication session's id (kept for the whole recording, re-INVITEs included). */
  readonly sessionId: string;
  /** The SIP Call-ID of the recorded call. */
  readonly sipCallId?: string;
  /** The participants: the first's `sends` is the other's receive stream, and the reverse. */
  readonly participants: readonly [RecordedParticipant, RecordedParticipant];
  /** Stable ids of the participants and streams (from `newMetadataIds`). */
  readonly ids: MetadataIds;
  /** When the recording session was associated with the call (ISO 8601). */
  readonly associatedAt: string;
  /** `complete` on the INVITE; later snapshots may be `partial` (RFC 7865 §6.2). */
  readonly dataMode?: 'complete' | 'partial';
}

export interface MetadataIds {
  readonly participants: readonly [string, string];
  readonly streams: Readonly<Record<string, string>>;
}

/** A base64 UUID, as RFC 7865 writes every identifier. */
export function metadataId(): string {
  return Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64');
}

/** Ids for two participants and the streams with these labels. */
export function newMetadataIds(labels: readonly string[]): MetadataIds {
  return { participants: [metadataId(), metadataId()], streams: Object.fromEntries(labels.map((l) => [l, metadataId()])) };
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** The metadata document. */
export function recordingMetadata(m: RecordingMetadataInput): string {
  const [a, b] = m.participants;
  const sid = esc(m.sessionId);
  const streamId = (label: string): string => esc(m.ids.streams[label] ?? '');
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<recording xmlns="urn:ietf:params:xml:ns:recording:1">',
    `  <datamode>${m.dataMode ?? 'complete'}</datamode>`,
    `  <session session_id="${sid}">`,
    ...(m.sipCallId ? [`    <sipSessionID>${esc(m.sipCallId)}</sipSessionID>`] : []),
    '  </session>',
  ];
  for (const [i, p] of [a, b].entries()) {
    lines.push(
      `  <participant participant_id="${esc(m.ids.participants[i])}">`,
      `    <nameID aor="${esc(p.aor)}">${p.name ? `<name>${esc(p.name)}</name>` : ''}</nameID>`,
      '  </participant>',
    );
  }
  for (const label of Object.keys(m.ids.streams)) {
    lines.push(`  <stream stream_id="${streamId(label)}" session_id="${sid}">`, `    <label>${esc(label)}</label>`, '  </stream>');
  }
  lines.push(`  <sessionrecordingassoc session_id="${sid}">`, `    <associate-time>${esc(m.associatedAt)}</associate-time>`, '  </sessionrecordingassoc>');
  for (const [i, p] of [a, b].entries()) {
    const other = i === 0 ? b : a;
    const pid = esc(m.ids.participants[i]);
    lines.push(
      `  <participantsessionassoc participant_id="${pid}" session_id="${sid}">`,
      `    <associate-time>${esc(m.associatedAt)}</associate-time>`,
      '  </participantsessionassoc>',
      `  <participantstreamassoc participant_id="${pid}">`,
      `    <send>${streamId(p.sends)}</send>`,
      `    <recv>${streamId(other.sends)}</recv>`,
      '  </participantstreamassoc>',
    );
  }
  lines.push('</recording>');
  return lines.join('\r\n') + '\r\n';
}
