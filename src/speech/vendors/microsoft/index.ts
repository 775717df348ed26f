export { MicrosoftStt, alternativesOf } from './stt.js';
export { MicrosoftTts, buildSsml, DEFAULT_VOICE, type MicrosoftTtsOptions } from './tts.js';
export { MicrosoftCredentialTester } from './tester.js';
export { resolveSttEndpoint, resolveTtsEndpoint } from './endpoint.js';
