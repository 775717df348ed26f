import { useEffect, useState } from 'preact/hooks';
import { ApiError, describeError } from '../lib/api.js';
import { when } from '../lib/format.js';
import type { Carrier, Gateway } from '../lib/types.js';
import { integer, required, requiredIf, type Values } from '../lib/validate.js';
import { ErrorNote, Page, Status, useLoad, usePortal } from '../ui/common.js';
import { CheckboxField, FormShell, SelectField, TextField, useForm } from '../ui/form.js';

// SIP over TLS, and TLS with SRTP media (SDES keys), as the jambonz SipGateway `protocol` names them.
const PROTOCOLS = [
  { value: 'udp', label: 'UDP' }, { value: 'tcp', label: 'TCP' }, { value: 'tls', label: 'TLS' }, { value: 'tls/srtp', label: 'TLS + SRTP' },
];
const PORT_HINT = 'Usually 5060; 5061 for TLS.';

const CARRIER_TEXT = ['name', 'description', 'tech_prefix', 'outbound_sip_proxy', 'register_username', 'register_password', 'register_sip_realm', 'inbound_auth_username', 'inbound_auth_password'] as const;
const CARRIER_FLAGS = ['is_default', 'e164_leading_plus', 'requires_register'] as const;
export const CARRIER_FIELDS = [...CARRIER_TEXT, ...CARRIER_FLAGS, 'gateway.ipv4', 'gateway.port', 'gateway.protocol'];

export const EMPTY_CARRIER: Values = {
  ...Object.fromEntries(CARRIER_TEXT.map((k) => [k, ''])),
  ...Object.fromEntries(CARRIER_FLAGS.map((k) => [k, false])),
  'gateway.ipv4': '', 'gateway.port': '5060', 'gateway.protocol': 'udp',
};

export const CARRIER_RULES = {
  name: [required],
  register_username: [requiredIf('requires_register', 'when the carrier needs registration')],
  register_password: [requiredIf('requires_register', 'when the carrier needs registration')],
  'gateway.port': [integer(1, 65535)],
};

export function carrierBody(v: Values): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of CARRIER_TEXT) {
    const s = String(v[k] ?? '').trim();
    out[k] = k === 'name' ? s : s || null;
  }
  for (const k of CARRIER_FLAGS) out[k] = v[k] === true;
  return out;
}

/** Gateway errors name `ipv4`, `port`…; in the carrier form those fields are `gateway.*`. */
function asGatewayError(e: unknown): unknown {
  if (!(e instanceof ApiError)) return e;
  return new ApiError(e.status, `gateway: ${e.message}`, e.errors.map((f) => ({ path: `gateway.${f.path}`, message: f.message })));
}

/** `register_status` of `GET …/VoipCarriers` (docs/registration.md); `null` when registration is not used. */
export interface RegisterStatus {
  readonly status: 'registering' | 'registered' | 'failed' | 'unregistered';
  readonly sip_status: number | null;
  readonly reason: string | null;
  readonly expires_at: string | null;
  readonly last_registered_at: string | null;
}
type CarrierRow = Carrier & { readonly register_status?: RegisterStatus | null };

const REGISTER_BADGE: Readonly<Record<RegisterStatus['status'], string>> = {
  registered: 's-completed', registering: 's-ringing', failed: 's-failed', unregistered: '',
};

/** While any carrier's first REGISTER is still running, the list is read again this often. */
const REGISTERING_REFRESH_MS = 3000;

/** The Registration fact: not used, or the state with its SIP answer, expiry and last success. */
export function RegistrationState({ carrier }: { carrier: CarrierRow }) {
  if (!carrier.requires_register) return <>not used</>;
  const as = `as ${carrier.register_username ?? '?'}`;
  const r = carrier.register_status;
  if (!r) return <>required {as} · no status reported yet</>;
  const answer = [r.sip_status ?? '', r.reason ?? ''].join(' ').trim();
  const parts = [as];
  if (answer) parts.push(r.sip_status !== null ? `SIP ${answer}` : answer);
  if (r.status === 'registered' && r.expires_at) parts.push(`expires ${when(r.expires_at)}`);
  if (r.status !== 'registered' && r.last_registered_at) parts.push(`last registered ${when(r.last_registered_at)}`);
  return (
    <>
      <span class={`badge ${REGISTER_BADGE[r.status] ?? ''}`}>{r.status}</span> {parts.join(' · ')}
    </>
  );
}

function CarrierForm({ editing, onSaved, onCancel }: { editing?: Carrier; onSaved(msg: string): void; onCancel?(): void }) {
  const { api, base } = usePortal();
  const initial: Values = editing
    ? { ...EMPTY_CARRIER, ...Object.fromEntries(CARRIER_TEXT.map((k) => [k, editing[k] ?? ''])), ...Object.fromEntries(CARRIER_FLAGS.map((k) => [k, editing[k]])) }
    : EMPTY_CARRIER;
  const form = useForm({
    id: 'carrier',
    initial,
    fields: CARRIER_FIELDS,
    rules: CARRIER_RULES,
    submit: async (v) => {
      if (editing) {
        await api.put(`${base}/VoipCarriers/${editing.voip_carrier_sid}`, carrierBody(v));
        onSaved(`Carrier ${String(v.name)} saved.`);
        return;
      }
      const { sid } = await api.post<{ sid: string }>(`${base}/VoipCarriers`, carrierBody(v));
      const host = String(v['gateway.ipv4']).trim();
      if (host) {
        const port = String(v['gateway.port']).trim();
        try {
          await api.post(`${base}/SipGateways`, { voip_carrier_sid: sid, ipv4: host, port: port ? Number(port) : null, protocol: v['gateway.protocol'], inbound: true, outbound: true });
        } catch (e) {
          await api.del(`${base}/VoipCarriers/${sid}`).catch(() => undefined);
          throw asGatewayError(e);
        }
      }
      form.reset();
      onSaved(`Carrier ${String(v.name)} created.`);
    },
  });
  return (
    <FormShell form={form} label={editing ? `Edit carrier ${editing.name}` : 'Add a carrier'}>
      <h2>{editing ? `Edit ${editing.name}` : 'New carrier'}</h2>
      <div class="grid">
        <TextField form={form} name="name" label="Name" required hint="Calls name it as to.trunk." />
        <TextField form={form} name="description" label="Description" />
        <TextField form={form} name="tech_prefix" label="Tech prefix" />
        <TextField form={form} name="outbound_sip_proxy" label="Outbound SIP proxy" />
        <CheckboxField form={form} name="is_default" label="Default trunk of the account" />
        <CheckboxField form={form} name="e164_leading_plus" label="Send numbers with a leading +" />
      </div>
      {!editing && (
        <fieldset>
          <legend>First gateway (more can be added below)</legend>
          <div class="grid">
            <TextField form={form} name="gateway.ipv4" label="Gateway host" placeholder="203.0.113.10 or sip.example.com" hint="IPv4 address or DNS name." />
            <TextField form={form} name="gateway.port" label="Gateway port" inputMode="numeric" hint={PORT_HINT} />
            <SelectField form={form} name="gateway.protocol" label="Gateway protocol" options={PROTOCOLS} />
          </div>
        </fieldset>
      )}
      <fieldset>
        <legend>Authentication</legend>
        <div class="grid">
          <CheckboxField form={form} name="requires_register" label="Carrier needs SIP registration" />
          <TextField form={form} name="register_username" label="Register username" />
          <TextField form={form} name="register_password" label="Register password" type="password" autoComplete="new-password" hint={editing ? 'Leave ******** to keep the stored password.' : undefined} />
          <TextField form={form} name="register_sip_realm" label="Register SIP realm" />
          <TextField form={form} name="inbound_auth_username" label="Inbound digest username" />
          <TextField form={form} name="inbound_auth_password" label="Inbound digest password" type="password" autoComplete="new-password" />
        </div>
      </fieldset>
      <div class="row">
        <button type="submit" disabled={form.busy}>{editing ? 'Save carrier' : 'Add carrier'}</button>
        {onCancel && <button type="button" class="secondary" onClick={onCancel}>Cancel</button>}
      </div>
    </FormShell>
  );
}

function AddGateway({ carrier, onSaved }: { carrier: Carrier; onSaved(msg: string): void }) {
  const { api, base } = usePortal();
  const form = useForm({
    id: `gw-${carrier.voip_carrier_sid}`,
    initial: { ipv4: '', port: '5060', protocol: 'udp' },
    fields: ['ipv4', 'port', 'protocol'],
    rules: { ipv4: [required], port: [integer(1, 65535)] },
    submit: async (v) => {
      const port = String(v.port).trim();
      await api.post(`${base}/SipGateways`, { voip_carrier_sid: carrier.voip_carrier_sid, ipv4: String(v.ipv4).trim(), port: port ? Number(port) : null, protocol: v.protocol, inbound: true, outbound: true });
      form.reset();
      onSaved(`Gateway added to ${carrier.name}.`);
    },
  });
  return (
    <FormShell form={form} label={`Add a gateway to ${carrier.name}`}>
      <div class="grid compact">
        <TextField form={form} name="ipv4" label="Host" />
        <TextField form={form} name="port" label="Port" inputMode="numeric" hint={PORT_HINT} />
        <SelectField form={form} name="protocol" label="Protocol" options={PROTOCOLS} />
      </div>
      <button type="submit" disabled={form.busy}>Add gateway</button>
    </FormShell>
  );
}

export function CarriersPage() {
  const { api, base } = usePortal();
  const data = useLoad(async () => {
    const [carriers, gateways] = await Promise.all([api.get<CarrierRow[]>(`${base}/VoipCarriers`), api.get<Gateway[]>(`${base}/SipGateways`)]);
    return { carriers, gateways };
  }, [base]);
  const registering = (data.data?.carriers ?? []).some((c) => c.register_status?.status === 'registering');
  useEffect(() => {
    if (!registering) return undefined;
    const timer = setTimeout(() => data.reload(), REGISTERING_REFRESH_MS);
    return () => clearTimeout(timer);
  }, [registering, data.data]);
  const [editing, setEditing] = useState<Carrier>();
  const [note, setNote] = useState<string>();
  const saved = (msg: string): void => {
    setNote(msg);
    setEditing(undefined);
    data.reload();
  };
  async function remove(path: string, what: string): Promise<void> {
    if (!window.confirm(`Delete ${what}?`)) return;
    try {
      await api.del(path);
      setNote(`Deleted ${what}.`);
      data.reload();
    } catch (e) {
      setNote(describeError(e));
    }
  }
  return (
    <Page title="Carriers">
      <CarrierForm key={editing?.voip_carrier_sid ?? 'new'} editing={editing} onSaved={saved} onCancel={editing ? () => setEditing(undefined) : undefined} />
      <div class="row">
        <h2>Carriers</h2>
        <button type="button" class="secondary" onClick={() => data.reload()} disabled={data.loading}>Refresh</button>
      </div>
      <Status>{note}</Status>
      <ErrorNote message={data.error} />
      {data.data?.carriers.length === 0 && <p>No carriers yet.</p>}
      {(data.data?.carriers ?? []).map((c) => {
        const gws = (data.data?.gateways ?? []).filter((g) => g.voip_carrier_sid === c.voip_carrier_sid);
        const mine = c.account_sid !== null;
        return (
          <article class="card" key={c.voip_carrier_sid} aria-labelledby={`carrier-${c.voip_carrier_sid}`}>
            <header class="row">
              <h3 id={`carrier-${c.voip_carrier_sid}`}>{c.name}{c.is_default ? ' (default)' : ''}{mine ? '' : ' (shared)'}</h3>
              {mine && (
                <>
                  <button type="button" class="secondary" aria-label={`Edit carrier ${c.name}`} onClick={() => setEditing(c)}>Edit</button>
                  <button type="button" class="danger" aria-label={`Delete carrier ${c.name}`} onClick={() => void remove(`${base}/VoipCarriers/${c.voip_carrier_sid}`, `the carrier ${c.name}`)}>Delete</button>
                </>
              )}
            </header>
            {c.description && <p>{c.description}</p>}
            <dl class="facts">
              <dt>Status</dt><dd>{c.is_active ? 'active' : 'inactive'}</dd>
              <dt>Registration</dt><dd data-testid={`registration-${c.voip_carrier_sid}`}><RegistrationState carrier={c} /></dd>
              <dt>Inbound auth</dt><dd>{c.inbound_auth_username ? `digest as ${c.inbound_auth_username}` : 'by source address'}</dd>
            </dl>
            <table>
              <caption>Gateways of {c.name}</caption>
              <thead><tr><th scope="col">Host</th><th scope="col">Port</th><th scope="col">Protocol</th><th scope="col">Direction</th><th scope="col">Priority</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
              <tbody>
                {gws.map((g) => (
                  <tr key={g.sip_gateway_sid}>
                    <td class="mono">{g.ipv4}</td>
                    <td>{g.port ?? 5060}</td>
                    <td>{g.protocol}</td>
                    <td>{[g.inbound ? 'in' : '', g.outbound ? 'out' : ''].filter(Boolean).join(' + ') || '—'}</td>
                    <td>{g.priority}</td>
                    <td>{mine && <button type="button" class="danger" aria-label={`Delete gateway ${g.ipv4}:${g.port ?? 5060}`} onClick={() => void remove(`${base}/SipGateways/${g.sip_gateway_sid}`, `the gateway ${g.ipv4}`)}>Delete</button>}</td>
                  </tr>
                ))}
                {gws.length === 0 && <tr><td colSpan={6}>No gateways: calls cannot use this carrier.</td></tr>}
              </tbody>
            </table>
            {mine && <AddGateway carrier={c} onSaved={saved} />}
          </article>
        );
      })}
    </Page>
  );
}
