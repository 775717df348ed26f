export { MicrosoftStt } from './stt.js';
export { resolveSttEndpoint, resolveTtsEndpoint } from './endpoint.js';
