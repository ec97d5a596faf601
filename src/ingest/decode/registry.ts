/**
 * Writer schemas for Confluent schema ids that are not bundled, from a Confluent Schema Registry
 * (GET /schemas/ids/{id}). The decoder depends only on `SchemaSource`, so tests and other
 * deployments can supply their own.
 */
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { NightjarError } from '../../errors/index.js';

export interface SchemaSource {
  /** The writer schema (parsed JSON) of `id`. Rejects with DECODE_UNKNOWN_SCHEMA or SCHEMA_REGISTRY_UNAVAILABLE. */
  schemaById(id: number): Promise<unknown>;
}

interface RegistryApiError {
  status?: number;
  message?: string;
}

/** A SchemaSource over @kafkajs/confluent-schema-registry. */
export class ConfluentRegistrySource implements SchemaSource {
  private readonly client: SchemaRegistry;

  constructor(url: string, client?: SchemaRegistry) {
    // Few, quick retries: the runner's own retrier handles a registry that stays down.
    this.client = client ?? new SchemaRegistry({ host: url, retry: { retries: 1, initialRetryTimeInSecs: 0.05, maxRetryTimeInSecs: 1 } });
  }

  async schemaById(id: number): Promise<unknown> {
    try {
      const type = (await this.client.getSchema(id)) as unknown as { schema(): unknown };
      return type.schema();
    } catch (err) {
      throw registryError(id, err as RegistryApiError);
    }
  }
}

/** 404 means the registry does not know the id; anything else (network, 5xx) may pass. */
function registryError(id: number, err: RegistryApiError): NightjarError {
  if (err.status === 404) {
    return new NightjarError('DECODE_UNKNOWN_SCHEMA', `schema id ${id} is not bundled and the schema registry does not know it`, { cause: err, details: { schemaId: id } });
  }
  return new NightjarError('SCHEMA_REGISTRY_UNAVAILABLE', `the schema registry could not give schema id ${id}: ${err.message ?? String(err)}`, { cause: err, details: { schemaId: id, status: err.status } });
}
