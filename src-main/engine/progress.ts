// What a training loop reports per batch and per epoch. No imports: the trainer protocol and the api
// contract (type-checked for the renderer, without Node) share these types.

/** What a finished epoch reports: training loss and accuracy (running means) and the validation pass. */
export interface EpochSummary {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
  /** Absent in runs made before it was recorded. */
  valBalancedAccuracy?: number;
  /** Two classes only. */
  valAuc?: number;
  /** Whether this epoch is the best so far by the run's selection criterion (its weights are kept). */
  best?: boolean;
  /** The learning rate of the epoch's last step (absent in runs made before schedules). */
  learningRate?: number;
  seconds: number;
}

export interface BatchProgress {
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  accuracy: number;
  samplesPerSecond: number;
  etaSeconds: number;
}
