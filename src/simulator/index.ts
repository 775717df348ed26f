/** The simulator carrier's public surface: the composition root and the CLI import from here. */
export {
  DEFAULT_SIMULATOR_PORT, startSimulator, type Simulator, type SimulatorEvents, type SimulatorOptions,
} from './simulator.js';
export { recordingName, type CallEndReason, type SimulatorCallRecord } from './call.js';
export {
  normaliseNumber, planFor, SIMULATOR_NUMBERS, SIMULATOR_PLAN, type CallPlan, type NumberPlanEntry, type SimulatorBehaviour,
} from './numbers.js';
export { HELLO_TEXT, VOICEMAIL_TEXT, type SimulatorTts } from './prompts.js';
export { SimulatorError, type SimulatorErrorCode } from './errors.js';
