import { newSid } from '../../kernel/ids.js';
import type { Queryable } from '../db.js';
import { StoreError } from '../errors.js';
import type { SipGatewayRepository, VoipCarrierRepository } from '../repositories.js';
import { countRows, defineTable, deleteRow, getRow, insertRow, selectRows, updateRow } from '../table.js';
import type { SipGateway, VoipCarrier } from '../types.js';
import { invalidRef, nowIso, written, type RepoContext } from './context.js';

const carriersTable = defineTable({
  table: 'voip_carriers',
  id: 'voip_carrier_sid',
  cols: {
    voip_carrier_sid: 'text', name: 'text', description: 'text', account_sid: 'text', application_sid: 'text', e164_leading_plus: 'bool',
    requires_register: 'bool', register_username: 'text', register_password: 'text', register_sip_realm: 'text', register_from_user: 'text',
    register_from_domain: 'text', register_public_ip_in_contact: 'bool', tech_prefix: 'text', inbound_auth_username: 'text',
    inbound_auth_password: 'text', diversion: 'text', is_active: 'bool', dtmf_type: 'text', outbound_sip_proxy: 'text', trunk_type: 'text',
    is_default: 'bool', created_at: 'text',
  },
});

const BY_NAME = '"name", "created_at", "voip_carrier_sid"';
/** The account's own carriers first, then the shared ones. */
const OWN_THEN_SHARED = `CASE WHEN "account_sid" IS NULL THEN 1 ELSE 0 END, ${BY_NAME}`;

function scopeWhere(accountSid: string | null): string {
  return accountSid === null ? '"account_sid" IS NULL' : '"account_sid" = ?';
}

/** Only one default carrier per account (or among the shared ones). */
async function clearOtherDefaults(tx: Queryable, accountSid: string | null, keepSid: string): Promise<void> {
  await tx.run(`UPDATE "voip_carriers" SET "is_default" = 0 WHERE ${scopeWhere(accountSid)} AND "voip_carrier_sid" <> ?`, accountSid === null ? [keepSid] : [accountSid, keepSid]);
}

async function checkCarrierRefs(tx: Queryable, accountSid: string | null, applicationSid: string | null | undefined): Promise<void> {
  if (accountSid !== null && !(await tx.get('SELECT 1 AS "x" FROM "accounts" WHERE "account_sid" = ?', [accountSid]))) {
    invalidRef('account_sid', `account ${accountSid} not found`);
  }
  if (applicationSid === null || applicationSid === undefined) return;
  const app = await tx.get('SELECT "account_sid" FROM "applications" WHERE "application_sid" = ?', [applicationSid]);
  if (!app) invalidRef('application_sid', `application ${applicationSid} not found`);
  if (accountSid !== null && app.account_sid !== accountSid) invalidRef('application_sid', 'application belongs to another account');
}

function nameTaken(e: unknown, name: string | undefined): never {
  if (e instanceof StoreError && e.code === 'STORE_CONFLICT') throw new StoreError('STORE_CONFLICT', `a carrier named "${name}" already exists`, { cause: e, field: 'name' });
  throw e;
}

export function voipCarrierRepository(ctx: RepoContext): VoipCarrierRepository {
  const { db } = ctx;
  const get = (sid: string): Promise<VoipCarrier | undefined> => getRow<VoipCarrier>(db, carriersTable, sid);
  const forAccount = (accountSid: string): Promise<VoipCarrier[]> =>
    selectRows<VoipCarrier>(db, carriersTable, '("account_sid" = ? OR "account_sid" IS NULL)', [accountSid], OWN_THEN_SHARED);
  return {
    async create(input) {
      const sid = newSid();
      const accountSid = input.account_sid ?? null;
      await db.transaction(async (tx) => {
        await checkCarrierRefs(tx, accountSid, input.application_sid);
        await insertRow(tx, carriersTable, { ...input, account_sid: accountSid, voip_carrier_sid: sid, created_at: nowIso(ctx) }).catch((e: unknown) => nameTaken(e, input.name));
        if (input.is_default) await clearOtherDefaults(tx, accountSid, sid);
      });
      return written(await get(sid), 'voip carrier');
    },
    get,
    list(filter = {}) {
      const { account_sid } = filter;
      if (account_sid === undefined) return selectRows<VoipCarrier>(db, carriersTable, '', [], OWN_THEN_SHARED);
      return selectRows<VoipCarrier>(db, carriersTable, scopeWhere(account_sid), account_sid === null ? [] : [account_sid], BY_NAME);
    },
    update: (sid, patch) =>
      db.transaction(async (tx) => {
        const cur = await getRow<VoipCarrier>(tx, carriersTable, sid);
        if (!cur) return false;
        await checkCarrierRefs(tx, cur.account_sid, patch.application_sid);
        await updateRow(tx, carriersTable, sid, { ...patch, account_sid: undefined }).catch((e: unknown) => nameTaken(e, patch.name));
        if (patch.is_default) await clearOtherDefaults(tx, cur.account_sid, sid);
        return true;
      }),
    async delete(sid) {
      const numbers = await countRows(db, 'phone_numbers', '"voip_carrier_sid" = ?', [sid]);
      if (numbers > 0) throw new StoreError('STORE_IN_USE', `voip carrier is in use by ${numbers} phone number(s)`);
      return deleteRow(db, carriersTable, sid);
    },
    listForAccount: forAccount,
    async findByName(accountSid, name) {
      const rows = await selectRows<VoipCarrier>(db, carriersTable, '("account_sid" = ? OR "account_sid" IS NULL) AND "name" = ?', [accountSid, name], OWN_THEN_SHARED);
      return rows[0];
    },
    async getDefault(accountSid) {
      const active = (await forAccount(accountSid)).filter((c) => c.is_active);
      for (const tier of [active.filter((c) => c.account_sid !== null), active.filter((c) => c.account_sid === null)]) {
        const flagged = tier.find((c) => c.is_default);
        if (flagged) return flagged;
        if (tier.length === 1) return tier[0];
        if (tier.length > 1) return undefined;
      }
      return undefined;
    },
  };
}

const gatewaysTable = defineTable({
  table: 'sip_gateways',
  id: 'sip_gateway_sid',
  cols: {
    sip_gateway_sid: 'text', voip_carrier_sid: 'text', ipv4: 'text', netmask: 'int', port: 'int', inbound: 'bool', outbound: 'bool',
    is_active: 'bool', protocol: 'text', priority: 'int', send_options_ping: 'bool', use_sips_scheme: 'bool', pad_crypto: 'bool', mutual_tls: 'bool', created_at: 'text',
  },
});

const BY_PRIORITY = '"priority", "created_at", "sip_gateway_sid"';

export function sipGatewayRepository(ctx: RepoContext): SipGatewayRepository {
  const { db } = ctx;
  const get = (sid: string): Promise<SipGateway | undefined> => getRow<SipGateway>(db, gatewaysTable, sid);
  return {
    async create(input) {
      if (!(await db.get('SELECT 1 AS "x" FROM "voip_carriers" WHERE "voip_carrier_sid" = ?', [input.voip_carrier_sid]))) {
        invalidRef('voip_carrier_sid', `voip carrier ${input.voip_carrier_sid} not found`);
      }
      const sid = newSid();
      await insertRow(db, gatewaysTable, { ...input, sip_gateway_sid: sid, created_at: nowIso(ctx) });
      return written(await get(sid), 'sip gateway');
    },
    get,
    list(filter = {}) {
      const where: string[] = [];
      const params: string[] = [];
      if (filter.voip_carrier_sid !== undefined) {
        where.push('"voip_carrier_sid" = ?');
        params.push(filter.voip_carrier_sid);
      }
      if (filter.account_sid !== undefined) {
        where.push(`"voip_carrier_sid" IN (SELECT "voip_carrier_sid" FROM "voip_carriers" WHERE ${scopeWhere(filter.account_sid)})`);
        if (filter.account_sid !== null) params.push(filter.account_sid);
      }
      return selectRows<SipGateway>(db, gatewaysTable, where.join(' AND '), params, `"voip_carrier_sid", ${BY_PRIORITY}`);
    },
    update: (sid, patch) => updateRow(db, gatewaysTable, sid, { ...patch, voip_carrier_sid: undefined }),
    delete: (sid) => deleteRow(db, gatewaysTable, sid),
    listOutbound: (carrierSid) =>
      selectRows<SipGateway>(db, gatewaysTable, '"voip_carrier_sid" = ? AND "outbound" = 1 AND "is_active" = 1', [carrierSid], BY_PRIORITY),
  };
}
