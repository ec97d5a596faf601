import type { Alert } from '../alert/types.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../log/logger.js';
import type { ConsumedMessage, ProducedRecord, Stage } from '../runner/types.js';
import { AnomalyTrainer, ModelFollower, toModelRecord, ANOMALY_MODEL_NAME } from './models.js';

/**
 * The trainer role: reads annotated alerts from the enriched topic (its own consumer group, so
 * the workers never wait for it), keeps a reservoir sample of their feature vectors, and
 * publishes a new anomaly model version to the models topic when one is due. Workers pick the
 * new version up from the topic within seconds.
 */
export class TrainerStage implements Stage {
  readonly name = 'trainer';
  private readonly trainer: AnomalyTrainer;

  constructor(
    private readonly config: Config,
    private readonly models: ModelFollower,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {
    this.trainer = new AnomalyTrainer(config, clock());
  }

  async process(batch: ConsumedMessage[]): Promise<ProducedRecord[]> {
    for (const message of batch) {
      const alert = parseEnriched(message.value);
      if (alert) this.trainer.offer(alert);
    }
    const current = this.models.current();
    if (this.trainer.due(this.clock(), current !== undefined)) await this.publishModel((current?.version ?? 0) + 1);
    return [];
  }

  private async publishModel(version: number): Promise<void> {
    const started = this.clock();
    const model = this.trainer.train(version, started);
    const record = toModelRecord(model, version, this.trainer.sampled, new Date(started));
    await this.models.topic.publish(ANOMALY_MODEL_NAME, record);
    this.logger.info({ version, trainedOn: record.trainedOn, features: record.featureNames, ms: this.clock() - started }, 'published anomaly model');
  }
}

/** Enriched values are JSON alerts written by the worker; anything else is skipped, not fatal. */
function parseEnriched(value: Buffer | null): Alert | null {
  if (value === null) return null;
  try {
    const parsed: unknown = JSON.parse(value.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Alert) : null;
  } catch {
    return null;
  }
}
