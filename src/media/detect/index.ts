export { EnergyVad, type VadEvent, type VadOptions } from './vad.js';
export { ToneDetector, type ToneDetectorOptions, type ToneEvent } from './tone.js';
