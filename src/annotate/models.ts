import type { Kafka } from 'kafkajs';
import type { Alert } from '../alert/types.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../log/logger.js';
import { StateTopic } from '../kafka/state-topic.js';
import type { EifModel } from './eif/forest.js';
import { featureVector, trainOnFeatures } from './eif/feature-vector.js';
import { Reservoir } from './eif/reservoir.js';
import { deserialize, serialize } from './eif/serialize.js';

/**
 * Anomaly models as versioned events on the compacted models topic: key = model name, value =
 * the newest version with its serialized trees and feature list. Every worker follows the topic
 * and scores with the newest version it has seen; `anomaly.model` names that version.
 */
export interface ModelRecord {
  name: string;
  version: number;
  createdAt: string;
  featureNames: string[];
  trainedOn: number;
  /** base64 of serialize(model). */
  model: string;
}

export const ANOMALY_MODEL_NAME = 'eif';

export interface LiveModel {
  version: number;
  model: EifModel;
}

export function modelLabel(record: Pick<ModelRecord, 'name' | 'version'>): string {
  return `${record.name}-v${record.version}`;
}

export function toModelRecord(model: EifModel, version: number, trainedOn: number, now: Date): ModelRecord {
  return {
    name: ANOMALY_MODEL_NAME,
    version,
    createdAt: now.toISOString(),
    featureNames: [...(model.featureNames ?? [])],
    trainedOn,
    model: serialize({ ...model, id: modelLabel({ name: ANOMALY_MODEL_NAME, version }) }).toString('base64'),
  };
}

export function fromModelRecord(record: ModelRecord): LiveModel {
  const model = deserialize(Buffer.from(record.model, 'base64'));
  return { version: record.version, model: { ...model, id: modelLabel(record) } };
}

/** Follows the models topic; `current()` is the newest readable anomaly model, if any. */
export class ModelFollower {
  readonly topic: StateTopic<ModelRecord>;
  private live: LiveModel | undefined;

  constructor(kafka: Kafka, config: Config, logger: Logger, onChange: (model: LiveModel) => void = () => {}) {
    const log = logger.child({ component: 'models' });
    this.topic = new StateTopic<ModelRecord>({ kafka, topic: config.topics.models, logger });
    this.topic.on('change', (key, record) => {
      if (key !== ANOMALY_MODEL_NAME || !record) return;
      if (this.live && record.version <= this.live.version) return;
      try {
        this.live = fromModelRecord(record);
        log.info({ version: record.version, trainedOn: record.trainedOn }, 'anomaly model loaded');
        onChange(this.live);
      } catch (err) {
        log.warn({ version: record.version, err: (err as Error).message }, 'unreadable anomaly model skipped');
      }
    });
  }

  start(): Promise<void> {
    return this.topic.start();
  }

  stop(): Promise<void> {
    return this.topic.stop();
  }

  current(): LiveModel | undefined {
    return this.live;
  }
}

/**
 * Keeps a reservoir sample of recent alerts' feature vectors and decides when a new model is
 * due (every N alerts or T minutes). Training happens outside the worker's batch processing:
 * the trainer role reads the enriched topic, so the hot path never waits for it.
 */
export class AnomalyTrainer {
  private readonly reservoir: Reservoir;
  private sinceLastModel = 0;
  private lastTrainedAt: number;

  constructor(
    private readonly config: Config,
    now: number,
  ) {
    this.reservoir = new Reservoir(config.anomaly.reservoirSize, config.anomaly.features.length, config.anomaly.seed);
    this.lastTrainedAt = now;
  }

  offer(alert: Alert): void {
    this.reservoir.offer(featureVector(alert, this.config.anomaly.features));
    this.sinceLastModel += 1;
  }

  /** True when enough alerts were seen and the alert count or time since the last model says so. */
  due(now: number, haveModel: boolean): boolean {
    if (this.reservoir.size < this.config.anomaly.minAlerts) return false;
    if (!haveModel) return true;
    return this.sinceLastModel >= this.config.anomaly.retrainEveryAlerts || now - this.lastTrainedAt >= this.config.anomaly.retrainMinutes * 60_000;
  }

  train(version: number, now: number): EifModel {
    const { anomaly } = this.config;
    const model = trainOnFeatures(this.reservoir.sample(), anomaly.features, { nTrees: anomaly.trees, sampleSize: anomaly.sampleSize, seed: anomaly.seed + version });
    this.sinceLastModel = 0;
    this.lastTrainedAt = now;
    return model;
  }

  get sampled(): number {
    return this.reservoir.size;
  }
}
