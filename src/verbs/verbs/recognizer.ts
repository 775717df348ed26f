import { anyValue, arr, bool, LIMITS, num, obj, oneOf, opt, str, type ObjectSchema } from '../schema.js';
import { fromSpec } from '../spec.js';

const anyObject = (): ObjectSchema => obj({}, { test: /.*/, schema: anyValue() });

/**
 * `recognizer` (gather, config, transcribe, amd): every property of the specification's
 * `recognizer` (vendor option blocks `deepgramOptions`, `azureOptions` … checked as it describes
 * them), plus any other block named `<vendor>Options` as an object. `vendor` may be left out (the
 * session's recognizer applies); our bounds on `asrTimeout` and `fastRecognitionTimeout`.
 */
export const recognizerSchema: ObjectSchema = fromSpec(
  'recognizer',
  {
    vendor: opt(str()),
    hints: opt(arr(oneOf('a string or an object', str(), anyObject()))),
    asrTimeout: opt(num({ min: 0, max: LIMITS.waitSeconds })),
    fastRecognitionTimeout: opt(num({ min: 0, max: LIMITS.detectorMs })),
    // Ours: the jambonz feature server's snake_case switch for custom vendors.
    requestSnakeCase: opt(bool()),
  },
  { test: /Options$/, schema: anyObject() },
);

export { anyObject };
