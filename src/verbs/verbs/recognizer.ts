import { anyValue, arr, bool, LIMITS, num, obj, oneOf, opt, str, type ObjectSchema } from '../schema.js';

const anyObject = (): ObjectSchema => obj({}, { test: /.*/, schema: anyValue() });

/**
 * `recognizer` (gather, config, transcribe, amd): the common fields, plus any vendor option block
 * named `<vendor>Options` (azureOptions, deepgramOptions, …) as an object.
 */
export const recognizerSchema: ObjectSchema = obj(
  {
    vendor: opt(str()),
    label: opt(str()),
    language: opt(str()),
    altLanguages: opt(arr(str())),
    hints: opt(arr(oneOf('a string or an object', str(), anyObject()))),
    hintsBoost: opt(num()),
    profanityFilter: opt(bool()),
    punctuation: opt(bool()),
    enhancedModel: opt(bool()),
    model: opt(str()),
    singleUtterance: opt(bool()),
    interim: opt(bool()),
    separateRecognitionPerChannel: opt(bool()),
    diarization: opt(bool()),
    diarizationMinSpeakers: opt(num()),
    diarizationMaxSpeakers: opt(num()),
    words: opt(bool()),
    asrTimeout: opt(num({ min: 0, max: LIMITS.waitSeconds })),
    asrDtmfTerminationDigit: opt(str()),
    fastRecognitionTimeout: opt(num({ min: 0, max: LIMITS.detectorMs })),
    minConfidence: opt(num()),
    vad: opt(anyObject()),
    fallbackVendor: opt(str()),
    fallbackLabel: opt(str()),
    fallbackLanguage: opt(str()),
    identifyChannels: opt(bool()),
    requestSnakeCase: opt(bool()),
  },
  { test: /Options$/, schema: anyObject() },
);

export { anyObject };
