import type { Db, Queryable } from './db.js';

/**
 * Versioned schema migrations, one list for both engines: the DDL sticks to types both accept
 * (TEXT, INTEGER, DOUBLE PRECISION). Never edit a released migration; append a new one.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

const textCols = (names: readonly string[]): string => names.map((n) => `"${n}" TEXT`).join(',\n  ');

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'provisioning, keys, cdrs, alerts',
    statements: [
      `CREATE TABLE "accounts" (
  "account_sid" TEXT PRIMARY KEY,
  "name" TEXT NOT NULL,
  "sip_realm" TEXT UNIQUE,
  "service_provider_sid" TEXT,
  ${textCols(['registration_hook', 'queue_event_hook'])},
  "is_active" INTEGER NOT NULL DEFAULT 1,
  "webhook_secret" TEXT NOT NULL,
  "disable_cdrs" INTEGER NOT NULL DEFAULT 0,
  "record_all_calls" INTEGER NOT NULL DEFAULT 0,
  "record_format" TEXT NOT NULL DEFAULT 'mp3',
  "enable_debug_log" INTEGER NOT NULL DEFAULT 0,
  "allow_any_caller_id" INTEGER NOT NULL DEFAULT 0,
  "max_concurrent_calls" INTEGER,
  "max_calls_per_second" DOUBLE PRECISION,
  "created_at" TEXT NOT NULL
)`,
      `CREATE TABLE "api_keys" (
  "api_key_sid" TEXT PRIMARY KEY,
  "token_hash" TEXT NOT NULL UNIQUE,
  "token_hint" TEXT NOT NULL,
  "account_sid" TEXT REFERENCES "accounts" ("account_sid") ON DELETE CASCADE,
  "expires_at" TEXT,
  "last_used" TEXT,
  "created_at" TEXT NOT NULL
)`,
      `CREATE INDEX "api_keys_account" ON "api_keys" ("account_sid")`,
      `CREATE TABLE "applications" (
  "application_sid" TEXT PRIMARY KEY,
  "name" TEXT NOT NULL,
  "account_sid" TEXT NOT NULL REFERENCES "accounts" ("account_sid") ON DELETE CASCADE,
  ${textCols(['call_hook', 'call_status_hook', 'messaging_hook'])},
  "app_json" TEXT,
  ${textCols(['speech_synthesis_vendor', 'speech_synthesis_language', 'speech_synthesis_voice', 'speech_synthesis_label', 'speech_recognizer_vendor', 'speech_recognizer_language', 'speech_recognizer_label'])},
  "use_for_fallback_speech" INTEGER NOT NULL DEFAULT 0,
  ${textCols(['fallback_speech_synthesis_vendor', 'fallback_speech_synthesis_language', 'fallback_speech_synthesis_voice', 'fallback_speech_synthesis_label', 'fallback_speech_recognizer_vendor', 'fallback_speech_recognizer_language', 'fallback_speech_recognizer_label'])},
  "env_vars" TEXT,
  "record_all_calls" INTEGER NOT NULL DEFAULT 0,
  "created_at" TEXT NOT NULL
)`,
      `CREATE INDEX "applications_account" ON "applications" ("account_sid")`,
      `CREATE TABLE "voip_carriers" (
  "voip_carrier_sid" TEXT PRIMARY KEY,
  "name" TEXT NOT NULL,
  "description" TEXT,
  "account_sid" TEXT REFERENCES "accounts" ("account_sid") ON DELETE CASCADE,
  "application_sid" TEXT REFERENCES "applications" ("application_sid"),
  "e164_leading_plus" INTEGER NOT NULL DEFAULT 0,
  "requires_register" INTEGER NOT NULL DEFAULT 0,
  ${textCols(['register_username', 'register_password', 'register_sip_realm', 'register_from_user', 'register_from_domain'])},
  "register_public_ip_in_contact" INTEGER NOT NULL DEFAULT 0,
  ${textCols(['tech_prefix', 'inbound_auth_username', 'inbound_auth_password', 'diversion'])},
  "is_active" INTEGER NOT NULL DEFAULT 1,
  "dtmf_type" TEXT NOT NULL DEFAULT 'rfc2833',
  "outbound_sip_proxy" TEXT,
  "trunk_type" TEXT NOT NULL DEFAULT 'static_ip',
  "is_default" INTEGER NOT NULL DEFAULT 0,
  "created_at" TEXT NOT NULL
)`,
      `CREATE UNIQUE INDEX "voip_carriers_name" ON "voip_carriers" ((COALESCE("account_sid", '')), "name")`,
      `CREATE TABLE "sip_gateways" (
  "sip_gateway_sid" TEXT PRIMARY KEY,
  "voip_carrier_sid" TEXT NOT NULL REFERENCES "voip_carriers" ("voip_carrier_sid") ON DELETE CASCADE,
  "ipv4" TEXT NOT NULL,
  "netmask" INTEGER NOT NULL DEFAULT 32,
  "port" INTEGER,
  "inbound" INTEGER NOT NULL DEFAULT 1,
  "outbound" INTEGER NOT NULL DEFAULT 1,
  "is_active" INTEGER NOT NULL DEFAULT 1,
  "protocol" TEXT NOT NULL DEFAULT 'udp',
  "priority" INTEGER NOT NULL DEFAULT 0,
  "send_options_ping" INTEGER NOT NULL DEFAULT 0,
  "use_sips_scheme" INTEGER NOT NULL DEFAULT 0,
  "created_at" TEXT NOT NULL
)`,
      `CREATE INDEX "sip_gateways_carrier" ON "sip_gateways" ("voip_carrier_sid", "priority")`,
      `CREATE TABLE "phone_numbers" (
  "phone_number_sid" TEXT PRIMARY KEY,
  "number" TEXT NOT NULL UNIQUE,
  "account_sid" TEXT REFERENCES "accounts" ("account_sid") ON DELETE CASCADE,
  "application_sid" TEXT REFERENCES "applications" ("application_sid"),
  "voip_carrier_sid" TEXT REFERENCES "voip_carriers" ("voip_carrier_sid"),
  "created_at" TEXT NOT NULL
)`,
      `CREATE INDEX "phone_numbers_account" ON "phone_numbers" ("account_sid")`,
      `CREATE TABLE "cdrs" (
  "call_sid" TEXT PRIMARY KEY,
  "account_sid" TEXT NOT NULL,
  "application_sid" TEXT,
  "direction" TEXT NOT NULL,
  "from" TEXT NOT NULL,
  "to" TEXT NOT NULL,
  "trunk" TEXT,
  "sip_callid" TEXT,
  "sip_parent_callid" TEXT,
  "attempted_at" TEXT NOT NULL,
  "answered_at" TEXT,
  "terminated_at" TEXT,
  "duration" INTEGER NOT NULL DEFAULT 0,
  "answered" INTEGER NOT NULL DEFAULT 0,
  "sip_status" INTEGER,
  "termination_reason" TEXT,
  "termination_cause" TEXT,
  "post_dial_delay_ms" INTEGER,
  "webhook_latency_ms" INTEGER,
  "host" TEXT,
  "remote_host" TEXT,
  "trace_id" TEXT,
  "recording_url" TEXT,
  "timeline" TEXT NOT NULL
)`,
      `CREATE INDEX "cdrs_account_time" ON "cdrs" ("account_sid", "attempted_at")`,
      `CREATE TABLE "alerts" (
  "alert_sid" TEXT PRIMARY KEY,
  "time" TEXT NOT NULL,
  "account_sid" TEXT,
  "alert_type" TEXT NOT NULL,
  "message" TEXT NOT NULL,
  "detail" TEXT,
  "call_sid" TEXT,
  "vendor" TEXT,
  "target_sid" TEXT,
  "url" TEXT,
  "status" INTEGER,
  "count" INTEGER
)`,
      `CREATE INDEX "alerts_account_time" ON "alerts" ("account_sid", "time")`,
    ],
  },
  {
    version: 2,
    name: 'call records written at start; the journal of live calls',
    statements: [
      // A CDR is written when the call starts; terminated_at stays NULL until it ends (issue 12).
      `CREATE INDEX "cdrs_open" ON "cdrs" ("host", "terminated_at")`,
      `CREATE TABLE "call_journal" (
  "call_sid" TEXT PRIMARY KEY,
  "account_sid" TEXT NOT NULL,
  "host" TEXT NOT NULL,
  "hooks" TEXT NOT NULL,
  "created_at" TEXT NOT NULL
)`,
      `CREATE INDEX "call_journal_host" ON "call_journal" ("host")`,
    ],
  },
  {
    version: 3,
    name: 'sip gateways: pad_crypto (SDES key padding), mutual_tls (client certificates)',
    statements: [
      `ALTER TABLE "sip_gateways" ADD COLUMN "pad_crypto" INTEGER NOT NULL DEFAULT 0`,
      `ALTER TABLE "sip_gateways" ADD COLUMN "mutual_tls" INTEGER NOT NULL DEFAULT 0`,
    ],
  },
  {
    version: 4,
    name: 'speech credentials (vendor fields in one encrypted blob)',
    statements: [
      `CREATE TABLE "speech_credentials" (
  "speech_credential_sid" TEXT PRIMARY KEY,
  "account_sid" TEXT NOT NULL REFERENCES "accounts" ("account_sid") ON DELETE CASCADE,
  "vendor" TEXT NOT NULL,
  "label" TEXT,
  "use_for_tts" INTEGER NOT NULL DEFAULT 1,
  "use_for_stt" INTEGER NOT NULL DEFAULT 1,
  "secret" TEXT NOT NULL,
  "created_at" TEXT NOT NULL,
  "last_used" TEXT,
  "last_tested" TEXT,
  "tts_tested_ok" INTEGER,
  "stt_tested_ok" INTEGER
)`,
      // One credential per label and vendor in an account; the unlabelled one counts as label ''.
      `CREATE UNIQUE INDEX "speech_credentials_label" ON "speech_credentials" ("account_sid", "vendor", (COALESCE("label", '')))`,
    ],
  },
  {
    version: 5,
    name: 'campaigns, their contacts and attempts; the do-not-call list (issue 17)',
    statements: [
      `CREATE TABLE "campaigns" (
  "campaign_sid" TEXT PRIMARY KEY,
  "account_sid" TEXT NOT NULL REFERENCES "accounts" ("account_sid") ON DELETE CASCADE,
  "name" TEXT NOT NULL,
  "state" TEXT NOT NULL,
  "config" TEXT NOT NULL,
  "created_at" TEXT NOT NULL,
  "updated_at" TEXT NOT NULL
)`,
      `CREATE INDEX "campaigns_account" ON "campaigns" ("account_sid")`,
      `CREATE TABLE "campaign_contacts" (
  "contact_sid" TEXT PRIMARY KEY,
  "campaign_sid" TEXT NOT NULL REFERENCES "campaigns" ("campaign_sid") ON DELETE CASCADE,
  "seq" INTEGER NOT NULL,
  "number" TEXT NOT NULL,
  "timezone" TEXT,
  "tag" TEXT,
  "state" TEXT NOT NULL,
  "outcome" TEXT,
  "attempts" INTEGER NOT NULL DEFAULT 0,
  "call_sids" TEXT NOT NULL,
  "amd" TEXT,
  "next_attempt_at" TEXT,
  "updated_at" TEXT NOT NULL
)`,
      // A number is unique per campaign (stored in E.164 form, so with or without its "+").
      `CREATE UNIQUE INDEX "campaign_contacts_number" ON "campaign_contacts" ("campaign_sid", "number")`,
      `CREATE INDEX "campaign_contacts_due" ON "campaign_contacts" ("campaign_sid", "state", "seq")`,
      `CREATE TABLE "campaign_attempts" (
  "call_sid" TEXT PRIMARY KEY,
  "campaign_sid" TEXT NOT NULL REFERENCES "campaigns" ("campaign_sid") ON DELETE CASCADE,
  "contact_sid" TEXT NOT NULL REFERENCES "campaign_contacts" ("contact_sid") ON DELETE CASCADE,
  "started_at" TEXT NOT NULL,
  "amd" TEXT,
  "outcome" TEXT,
  "ended_at" TEXT
)`,
      `CREATE INDEX "campaign_attempts_open" ON "campaign_attempts" ("campaign_sid", "outcome")`,
      `CREATE INDEX "campaign_attempts_contact" ON "campaign_attempts" ("contact_sid")`,
      `CREATE TABLE "dnc_numbers" (
  "account_sid" TEXT NOT NULL REFERENCES "accounts" ("account_sid") ON DELETE CASCADE,
  "number" TEXT NOT NULL,
  "created_at" TEXT NOT NULL,
  PRIMARY KEY ("account_sid", "number")
)`,
    ],
  },
  {
    version: 6,
    name: 'campaigns: the node dialling a running campaign and its lease (issue 17, clusters)',
    statements: [
      `ALTER TABLE "campaigns" ADD COLUMN "owner" TEXT`,
      `ALTER TABLE "campaigns" ADD COLUMN "lease_until" TEXT`,
    ],
  },
];

/** An arbitrary constant: the advisory lock that keeps two starting gateways from migrating at once. */
const PG_MIGRATION_LOCK = 735_301;

async function applied(tx: Queryable): Promise<Set<number>> {
  const rows = await tx.all('SELECT "version" FROM "schema_migrations"');
  return new Set(rows.map((r) => Number(r.version)));
}

/** Applies every pending migration in one transaction; returns the versions it applied. */
export async function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS, now: () => string = () => new Date().toISOString()): Promise<number[]> {
  return db.transaction(async (tx) => {
    if (tx.dialect === 'postgres') await tx.get('SELECT pg_advisory_xact_lock(?)', [PG_MIGRATION_LOCK]);
    await tx.run('CREATE TABLE IF NOT EXISTS "schema_migrations" ("version" INTEGER PRIMARY KEY, "name" TEXT NOT NULL, "applied_at" TEXT NOT NULL)');
    const done = await applied(tx);
    const ran: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      for (const s of m.statements) await tx.run(s);
      await tx.run('INSERT INTO "schema_migrations" ("version", "name", "applied_at") VALUES (?, ?, ?)', [m.version, m.name, now()]);
      ran.push(m.version);
    }
    return ran;
  });
}
