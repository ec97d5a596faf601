import '../alert/fields.js';
import '../annotate/fields.js';
import type { Alert } from '../alert/types.js';
import { createAnnotator, type Annotate } from '../annotate/annotator.js';
import { loadConfiguredCatalogs } from '../annotate/state.js';
import type { Config } from '../config/index.js';
import { explainFilter, type CompiledFilter, type ExplainNode } from '../filter/lang/index.js';
import { AlertDecoder } from '../ingest/index.js';
import type { Logger } from '../log/logger.js';

/** One decoded (and annotated) alert of a test request, or why its message could not be read. */
export type TestInput = { ok: true; input: number; alert: Alert } | { ok: false; input: number; code: string; message: string };

/** Turns survey messages (bytes as the surveys send them) into alerts the way a worker does. */
export interface AlertTester {
  prepare(messages: readonly Uint8Array[]): Promise<TestInput[]>;
}

/** Decoder plus the worker's annotation (catalog crossmatches and features; no anomaly model). */
export function createAlertTester(config: Config, logger: Logger): AlertTester {
  const decoder = new AlertDecoder({ config, logger });
  let annotate: Promise<Annotate> | undefined;
  return {
    async prepare(messages) {
      annotate ??= loadConfiguredCatalogs(config, logger).then((catalogs) => createAnnotator({ catalogs, features: config.annotate.features }));
      const annotator = await annotate;
      const out: TestInput[] = [];
      for (const [input, bytes] of messages.entries()) {
        for (const outcome of await decoder.decodeMessage(bytes)) {
          if (!outcome.ok) {
            out.push({ ok: false, input, code: outcome.error.code, message: outcome.error.message });
            continue;
          }
          annotator([outcome.alert]);
          out.push({ ok: true, input, alert: outcome.alert });
        }
      }
      return out;
    },
  };
}

export interface TestResult {
  evaluated: number;
  matched: { input: number; alertId: string; objectId: string; survey: string }[];
  failures: { input: number; code: string; message: string }[];
  explain?: { input: number; alertId: string; matches: boolean; tree: ExplainNode }[];
}

/** Evaluates a compiled filter on prepared alerts; with `explain`, adds every node's value per alert. */
export function runFilterTest(filter: CompiledFilter, inputs: readonly TestInput[], options: { explain: boolean; owner: string }): TestResult {
  const result: TestResult = { evaluated: 0, matched: [], failures: [] };
  if (options.explain) result.explain = [];
  const ctx = { owner: options.owner };
  for (const item of inputs) {
    if (!item.ok) {
      result.failures.push({ input: item.input, code: item.code, message: item.message });
      continue;
    }
    result.evaluated += 1;
    const matches = filter.evaluate(item.alert, ctx);
    if (matches) result.matched.push({ input: item.input, alertId: item.alert.alertId, objectId: item.alert.objectId, survey: item.alert.survey });
    result.explain?.push({ input: item.input, alertId: item.alert.alertId, matches, tree: explainFilter(filter.text, item.alert, ctx) });
  }
  return result;
}
