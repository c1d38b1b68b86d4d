// overdue-producer: what a service needs to report its steps to overdue.

export {
  DEFAULT_MAX_SKEW_MS,
  type EventStatus,
  MAX_EVENT_BYTES,
  MAX_ID_LENGTH,
  MAX_TEXT_LENGTH,
  type NativeEvent,
  nativeEventProblem,
  parseTime,
} from './contract.js';
export {
  createEmitter,
  type Emitter,
  type EmitterOptions,
  type FlushResult,
  type StepEvent,
} from './emitter.js';
export { EmitError, InvalidEventError } from './errors.js';
export * from './propagation.js';
export {
  type BatchRecord,
  flushTelemetry,
  recordId,
  type TelemetryLogger,
  type TrackBatchOptions,
  type TrackOptions,
  type TrackStepOptions,
  trackBatch,
  trackRecord,
  trackStep,
  xrayTraceId,
} from './track-step.js';
