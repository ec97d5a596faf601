import type { Alert } from '../../../src/alert/types.js';
import type { Config } from '../../../src/config/index.js';
import { AlertDecoder } from '../../../src/ingest/index.js';
import { readAlertMessages } from '../../../src/ingest/files.js';
import { isReplayFailure, outgoingFromFiles } from '../../../src/ingest/replay.js';
import { sampleAlertsDir } from '../../../src/ingest/synthetic.js';
import { loadRubinSchemas } from '../../../src/ingest/wire.js';
import { silentLogger } from '../../../src/log/logger.js';
import type { KafkaKit } from '../../helpers/index.js';

export interface SurveyMessage {
  key: string;
  value: Buffer;
}

/** The bundled real alerts as the surveys send them: one ZTF container per alert, Rubin in Confluent framing. */
export async function sampleMessages(): Promise<SurveyMessage[]> {
  const out: SurveyMessage[] = [];
  const paths = [sampleAlertsDir('ztf'), sampleAlertsDir('lsst')];
  for await (const item of outgoingFromFiles(readAlertMessages(paths), loadRubinSchemas())) {
    if (isReplayFailure(item)) throw item.error;
    out.push({ key: item.key, value: item.value });
  }
  return out;
}

/** What the worker must publish for these messages, decoded independently of it. */
export async function expectedAlerts(messages: SurveyMessage[], config: Config): Promise<Alert[]> {
  const decoder = new AlertDecoder({ config, logger: silentLogger() });
  const alerts: Alert[] = [];
  for (const m of messages) {
    for (const outcome of await decoder.decodeMessage(m.value)) {
      if (!outcome.ok) throw outcome.error;
      alerts.push(outcome.alert);
    }
  }
  return alerts;
}

/** A fresh compacted topic (platform state), deleted with the kit. */
export async function compactedTopic(kit: KafkaKit, prefix: string): Promise<string> {
  const topic = await kit.createTopic({ prefix });
  await kit.admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: topic, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
  return topic;
}

/** A fresh stream topic that takes records up to 16 MiB, as `nightjar services` creates them. */
export async function streamTopic(kit: KafkaKit, prefix: string, partitions = 1): Promise<string> {
  const topic = await kit.createTopic({ prefix, partitions });
  await kit.admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: topic, configEntries: [{ name: 'max.message.bytes', value: String(16 * 1024 * 1024) }] }] });
  return topic;
}
