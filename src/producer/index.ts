// overdue/producer: what a service needs to report its steps to overdue.
export {
  createEmitter,
  type Emitter,
  type EmitterOptions,
  type FlushResult,
  type StepEvent,
} from './emitter.js';
export { EmitError, InvalidEventError } from './errors.js';
export * from './propagation.js';
export { type TrackStepOptions, trackStep, xrayTraceId } from './track-step.js';
