import { loadConfig, ConfigError } from '../config/config.js';
import { createLogger, type Logger } from '../kernel/logger.js';
import { startGateway } from '../main.js';
import { amdCommand } from './amd.js';
import { callCommand } from './call.js';
import { eventsCommand } from './events.js';

const USAGE = `usage: vgw <command> [flags]

commands:
  start     run the gateway (flags override VGW_* environment variables, see README)
  amd       classify a recording offline: vgw amd FILE.wav [--json] [--preset fast|balanced|conservative] (docs/amd.md)
  call      place a call through the REST API and follow it: vgw call --to NUMBER [--from N] [--trunk NAME] [--app SID] [--no-follow] … (docs/cli.md)
  events    watch calls: vgw events --follow [--call CALL_SID] [--account SID] (docs/cli.md)
  help      show this text
`;

/**
 * DESIGN.md §4.5: detached promises go through one reporter; whatever escapes it anyway is logged
 * here instead of ending the process — one bad call must never end every other call (issue 12).
 */
function reportStrays(logger: Logger): void {
  process.on('unhandledRejection', (reason) => logger.error('unhandled rejection (a detached promise without a reporter)', { err: reason instanceof Error ? reason : String(reason) }));
  process.on('uncaughtException', (e) => logger.error('uncaught exception', { err: e }));
}

async function start(argv: readonly string[]): Promise<void> {
  const config = loadConfig(argv, process.env);
  const logger = createLogger(config.logLevel, process.stdout);
  reportStrays(logger);
  const gw = await startGateway(config, logger);
  if (gw.firstAdminKey) {
    // Shown once, on the terminal only; the store keeps nothing but its hash.
    process.stderr.write(`\nFirst start: an admin API key was created. It is shown only now:\n\n  ${gw.firstAdminKey}\n\nUse it as "Authorization: Bearer <key>" (or set VGW_ADMIN_API_KEY to choose your own).\n\n`);
  }
  if (gw.demo) {
    process.stderr.write(`Simulator carrier on 127.0.0.1:${gw.simulator?.port ?? '?'} — demo account_sid=${gw.demo.accountSid} application_sid=${gw.demo.applicationSid} from=+15551230000 (see README "Quick start")\n`);
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    gw.close(config.drainTimeoutMs).then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error('shutdown failed', { err: e instanceof Error ? e : String(e) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

export async function main(argv: readonly string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'start':
        await start(rest);
        return -1; // keeps running
      case 'amd':
        return await amdCommand(rest);
      case 'call':
        return await callCommand(rest);
      case 'events':
        return await eventsCommand(rest);
      case undefined:
      case 'help':
      case '--help':
        process.stdout.write(USAGE);
        return 0;
      default:
        process.stderr.write(`vgw: unknown command "${cmd}"\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`vgw: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
