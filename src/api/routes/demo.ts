import type { FastifyInstance } from 'fastify';

/**
 * The built-in demo application (issue 5, simulator): served by the gateway itself, without
 * authentication, so the provisioned demo app works out of the box. It greets, asks for one key
 * and says which key was pressed.
 */
export function registerDemoApp(app: FastifyInstance): void {
  app.post('/demo/app', { schema: { hide: true } }, async () => [
    {
      verb: 'gather', input: ['digits'], numDigits: 1, timeout: 8, actionHook: '/demo/gathered',
      say: { text: 'Hello! This is the voice gateway demo. Please press any key on your phone.' },
    },
    { verb: 'say', text: 'We did not receive a key. Goodbye.' },
    { verb: 'hangup' },
  ]);
  app.post('/demo/gathered', { schema: { hide: true } }, async (req) => {
    const body = (req.body ?? {}) as { digits?: unknown; reason?: unknown };
    const text = typeof body.digits === 'string' && body.digits !== '' ? `You pressed ${body.digits.split('').join(' ')}. Goodbye.` : 'We did not receive a key. Goodbye.';
    return [{ verb: 'say', text }, { verb: 'hangup' }];
  });
  app.post('/demo/status', { schema: { hide: true } }, async (_req, reply) => reply.code(204).send());
}
