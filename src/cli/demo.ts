import type { Logger } from '../kernel/logger.js';
import { SIMULATOR_NUMBERS } from '../simulator/index.js';
import type { Store } from '../store/index.js';

/** The caller id of the demo account (a phone number of that account). */
export const DEMO_FROM = '+15551230000';

export interface DemoIds {
  readonly accountSid: string;
  readonly applicationSid: string;
  readonly carrierSid: string;
}

/**
 * First start: a demo account with the built-in demo application, the `simulator` carrier
 * (gateway 127.0.0.1:port) and a caller-id number. Later starts only keep the gateway's port in
 * step with `VGW_SIMULATOR_PORT`. Nothing is created when an account named "demo" exists already.
 */
export async function provisionDemo(store: Store, httpPort: number, simulatorPort: number, logger: Logger): Promise<DemoIds | undefined> {
  const existing = (await store.accounts.list()).find((a) => a.name === 'demo');
  if (existing) {
    const carrier = await store.voipCarriers.findByName(existing.account_sid, 'simulator');
    if (!carrier) return undefined;
    for (const gw of await store.sipGateways.list({ voip_carrier_sid: carrier.voip_carrier_sid })) {
      if (gw.ipv4 === '127.0.0.1' && gw.port !== simulatorPort) await store.sipGateways.update(gw.sip_gateway_sid, { port: simulatorPort });
    }
    const app = (await store.applications.list({ account_sid: existing.account_sid })).find((a) => a.name === 'demo');
    if (app) await store.applications.update(app.application_sid, { call_hook: `http://127.0.0.1:${httpPort}/demo/app`, call_status_hook: `http://127.0.0.1:${httpPort}/demo/status` });
    return app ? { accountSid: existing.account_sid, applicationSid: app.application_sid, carrierSid: carrier.voip_carrier_sid } : undefined;
  }
  const account = await store.accounts.create({ name: 'demo' });
  const app = await store.applications.create({
    name: 'demo', account_sid: account.account_sid,
    call_hook: `http://127.0.0.1:${httpPort}/demo/app`, call_status_hook: `http://127.0.0.1:${httpPort}/demo/status`,
  });
  const carrier = await store.voipCarriers.create({ name: 'simulator', account_sid: account.account_sid, description: 'built-in simulator carrier (see docs/simulator.md)', is_default: true });
  await store.sipGateways.create({ voip_carrier_sid: carrier.voip_carrier_sid, ipv4: '127.0.0.1', port: simulatorPort, inbound: true, outbound: true, protocol: 'udp' });
  await store.phoneNumbers.create({ number: DEMO_FROM, account_sid: account.account_sid, application_sid: app.application_sid, voip_carrier_sid: carrier.voip_carrier_sid });
  logger.info('provisioned the demo account, application, simulator carrier and number', {
    account_sid: account.account_sid, application_sid: app.application_sid, from: DEMO_FROM, numbers: SIMULATOR_NUMBERS,
  });
  return { accountSid: account.account_sid, applicationSid: app.application_sid, carrierSid: carrier.voip_carrier_sid };
}
