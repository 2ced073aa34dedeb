package dev.streamlake.flink.config;

import java.io.Serializable;
import java.time.Duration;

/** Event-time settings of the pipeline (the {@code Processing} property group), already validated. */
public final class ProcessingSettings implements Serializable {
  private static final long serialVersionUID = 1L;

  public final Duration outOfOrderness;
  public final Duration idleness;
  public final Duration allowedLateness;
  public final Duration dedupeHorizon;
  public final Duration checkpointInterval;

  public ProcessingSettings(
      Duration outOfOrderness,
      Duration idleness,
      Duration allowedLateness,
      Duration dedupeHorizon,
      Duration checkpointInterval) {
    this.outOfOrderness = outOfOrderness;
    this.idleness = idleness;
    this.allowedLateness = allowedLateness;
    this.dedupeHorizon = dedupeHorizon;
    this.checkpointInterval = checkpointInterval;
  }

  /** The contract defaults. */
  public static ProcessingSettings defaults() {
    return JobSettings.processing(new java.util.HashMap<>());
  }

  /** A copy with another idleness (tests). */
  public ProcessingSettings withIdleness(Duration idle) {
    return new ProcessingSettings(outOfOrderness, idle, allowedLateness, dedupeHorizon, checkpointInterval);
  }

  /** A copy with another allowed lateness (tests). */
  public ProcessingSettings withAllowedLateness(Duration lateness) {
    return new ProcessingSettings(outOfOrderness, idleness, lateness, dedupeHorizon, checkpointInterval);
  }
}
