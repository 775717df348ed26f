/** The public surface of the verbs layer, for the application lifecycle (`app/`), `api/` and the composition root. */
export { VerbValidationError } from './errors.js';
export { Interpreter, alertTypeFor, isAppFailure, type InterpreterOptions } from './interpreter.js';
export { parseAppJson, parseVerbList } from './parse.js';
export { VerbRegistry } from './registry.js';
export { AppRequestor, CallSequence, type WebhookSender } from './requestor.js';
export { validate, type ObjectSchema, type Schema } from './schema.js';
export { DEFAULT_RECOGNIZER, DEFAULT_SYNTHESIZER, startApplication, type ApplicationDefaults, type ApplicationHandle, type StartApplicationOptions } from './session.js';
export type { ParsedVerb, RecognizerSpec, SessionSettings, VerbContext, VerbDefinition, VerbList, VerbOutcome } from './types.js';
export { defineVerb } from './types.js';
export { amdSchema } from './verbs/config.js';
export { CORE_VERBS, coreVerbs } from './verbs/index.js';
export { recognizerSchema } from './verbs/recognizer.js';
export { synthesizerSchema } from './verbs/say.js';
export { WebhookClient, WebhookError, type WebhookClientOptions, type WebhookErrorCode } from './webhook/client.js';
export { HookSpecError, isWebSocketHook, resolveHook, type Hook, type HookSpec } from './webhook/hook.js';
export { signatureHeader, verifySignature } from './webhook/signature.js';
export { UnsupportedFeatureAlerts } from './unsupported.js';
