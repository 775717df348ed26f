import { GatewayError } from '../kernel/errors.js';

/**
 * A verb list that does not follow the verb specification (contract §4.1): unknown verb, unknown
 * property, wrong type or missing required property. `path` names the offending place, e.g.
 * `[1].gather.numDigits`.
 */
export class VerbValidationError extends GatewayError {
  declare readonly code: 'VERB_INVALID';
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super('VERB_INVALID', path ? `${path}: ${problem}` : problem);
  }
}
