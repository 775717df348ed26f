import { GatewayError } from '../kernel/errors.js';

export type SimulatorErrorCode = 'SIMULATOR_ASSET_MISSING' | 'SIMULATOR_PROMPT_FAILED' | 'SIMULATOR_START_FAILED' | 'SIMULATOR_CLOSED';

export class SimulatorError extends GatewayError {
  declare readonly code: SimulatorErrorCode;
  constructor(code: SimulatorErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
