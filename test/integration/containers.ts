import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';

/** Host ports of the container services (fixed, so Kafka can advertise the address clients use). */
const KAFKA_PORT = 29092;
const CLICKHOUSE_PORT = 28123;

export interface ContainerServices {
  brokers: string;
  clickhouseUrl: string;
  stop(): Promise<void>;
}

/**
 * Kafka 3.9 (KRaft, single node) and current ClickHouse in containers, for hosts with a Docker
 * engine (NIGHTJAR_TEST_SERVICES=containers). The default is the project's own launcher, which
 * needs no Docker; these machines have none, so this path runs only where an engine exists.
 */
export async function startContainerServices(): Promise<ContainerServices> {
  const kafka = await new GenericContainer('apache/kafka:3.9.1')
    .withExposedPorts({ container: KAFKA_PORT, host: KAFKA_PORT })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: `PLAINTEXT://0.0.0.0:${KAFKA_PORT},CONTROLLER://0.0.0.0:9093`,
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${KAFKA_PORT}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_MESSAGE_MAX_BYTES: String(16 * 1024 * 1024),
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
  let clickhouse: StartedTestContainer;
  try {
    clickhouse = await new GenericContainer('clickhouse/clickhouse-server:24.8')
      .withExposedPorts({ container: 8123, host: CLICKHOUSE_PORT })
      .withEnvironment({ CLICKHOUSE_SKIP_USER_SETUP: '1' })
      .withWaitStrategy(Wait.forHttp('/ping', 8123).forStatusCode(200))
      .start();
  } catch (err) {
    await kafka.stop();
    throw err;
  }
  return {
    brokers: `127.0.0.1:${KAFKA_PORT}`,
    clickhouseUrl: `http://127.0.0.1:${CLICKHOUSE_PORT}`,
    async stop() {
      await Promise.allSettled([kafka.stop(), clickhouse.stop()]);
    },
  };
}
