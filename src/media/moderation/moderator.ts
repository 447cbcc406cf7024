export interface ModerationResult {
  /** True when the explicit-content score reaches the configured threshold. */
  flagged: boolean;
  /** Probability per class (the classes depend on the model). */
  scores: Record<string, number>;
  /** The most likely class. */
  label: string;
}

/** Classifies an encoded image (ideally the small re-encoded thumbnail, never the raw upload). */
export interface ImageModerator {
  classify(image: Buffer): Promise<ModerationResult>;
  /** Classifies several images (an animation's frames) queued together through the model (batches of MAX_BATCH); results in order. */
  classifyAll(images: readonly Buffer[]): Promise<ModerationResult[]>;
}
