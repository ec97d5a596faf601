import { parseArgs } from 'node:util';
import '../alert/fields.js';
import '../annotate/fields.js';
import type { Alert } from '../alert/types.js';
import { createAnnotator } from '../annotate/annotator.js';
import { loadConfiguredCatalogs } from '../annotate/state.js';
import type { Config } from '../config/index.js';
import { isNightjarError, NightjarError } from '../errors/index.js';
import { expressionErrors } from '../filter/lang-matcher.js';
import { compileFilter, explainFilter, formatExplain, validateFilter } from '../filter/lang/index.js';
import { activeVersionOf, type OutputFormat } from '../filter/model.js';
import { FilterStore } from '../filter/store.js';
import { readAlertMessages, isAlertFileError } from '../ingest/files.js';
import { AlertDecoder } from '../ingest/index.js';
import { createKafka } from '../kafka/client.js';
import type { Logger } from '../log/logger.js';
import type { Command, CommandContext } from './main.js';

const usage = `filter check EXPR
       nightjar filter run EXPR PATH...
       nightjar filter explain EXPR PATH
       nightjar filter add ID --owner U --expr EXPR [--name N] [--description D] [--public] [--format json|avro] [--lightcurve] [--cutouts]
       nightjar filter version ID --owner U --expr EXPR
       nightjar filter list [--owner U]
       nightjar filter activate ID --owner U [--version N]
       nightjar filter pause ID --owner U`;

/** `nightjar filter ...`: check, try and explain expressions offline; manage filters on a running broker. */
export const filterCommand: Command = {
  name: 'filter',
  usage: 'filter check|run|explain|add|version|list|activate|pause ...',
  summary: 'validate, try and explain filter expressions on alert files; add and activate filters on a running broker',
  async run(argv, ctx) {
    const [action, ...rest] = argv;
    switch (action) {
      case 'check':
        return check(rest);
      case 'run':
        return run(rest, ctx);
      case 'explain':
        return explain(rest, ctx);
      case 'add':
      case 'version':
      case 'list':
      case 'activate':
      case 'pause':
        return manage(action, rest, ctx);
      default:
        process.stderr.write(`usage: nightjar ${usage}\n`);
        return 2;
    }
  },
};

/** Exit 0 when valid (warnings on stderr), 1 with every error, its position, caret and suggestion. */
function check(argv: string[]): number {
  const expression = single(argv, 'filter check EXPR');
  const result = validateFilter(expression);
  for (const d of [...result.errors, ...result.warnings]) {
    const kind = result.errors.includes(d) ? 'error' : 'warning';
    process.stderr.write(`${kind} ${d.code} at line ${d.line}, column ${d.column}: ${d.message}\n${d.caret}\n${d.suggestion ? `  ${d.suggestion}\n` : ''}`);
  }
  if (!result.ok) return 1;
  process.stdout.write(`ok: reads ${result.fields.join(', ') || 'no fields'}; can match ${result.surveys.join(' and ') || 'no survey'} alerts\n`);
  return 0;
}

/** Evaluates on alert files, annotated as the worker annotates them (without an anomaly model). */
async function run(argv: string[], { config, logger }: CommandContext): Promise<number> {
  const [expression, ...paths] = argv;
  if (!expression || paths.length === 0) throw new NightjarError('REQUEST_INVALID', 'usage: nightjar filter run EXPR PATH...');
  const filter = compileOrReport(expression);
  if (!filter) return 1;
  let evaluated = 0;
  let matched = 0;
  let failed = 0;
  for await (const alert of annotatedAlerts(paths, config, logger, () => (failed += 1))) {
    evaluated += 1;
    if (!filter.evaluate(alert)) continue;
    matched += 1;
    process.stdout.write(`${JSON.stringify({ alertId: alert.alertId, objectId: alert.objectId, survey: alert.survey, mjd: alert.mjd, ra: alert.ra, dec: alert.dec, band: alert.band, mag: alert.mag })}\n`);
  }
  process.stderr.write(`${matched} of ${evaluated} alerts matched${failed > 0 ? `; ${failed} inputs could not be decoded` : ''}\n`);
  return failed > 0 ? 1 : 0;
}

async function explain(argv: string[], { config, logger }: CommandContext): Promise<number> {
  const [expression, path, ...extra] = argv;
  if (!expression || !path || extra.length > 0) throw new NightjarError('REQUEST_INVALID', 'usage: nightjar filter explain EXPR PATH');
  if (!compileOrReport(expression)) return 1;
  let shown = 0;
  for await (const alert of annotatedAlerts([path], config, logger, () => undefined)) {
    const tree = explainFilter(expression, alert);
    process.stdout.write(`${alert.survey} ${alert.objectId} ${alert.alertId}: ${tree.value === true ? 'MATCHES' : 'does not match'}\n${formatExplain(tree, '  ')}\n\n`);
    shown += 1;
  }
  return shown > 0 ? 0 : 1;
}

function compileOrReport(expression: string): ReturnType<typeof compileFilter> | null {
  try {
    return compileFilter(expression);
  } catch (err) {
    if (!isNightjarError(err)) throw err;
    process.stderr.write(`${expressionErrors(expression).join('\n') || err.message}\n`);
    return null;
  }
}

async function* annotatedAlerts(paths: string[], config: Config, logger: Logger, onFailure: () => void): AsyncGenerator<Alert> {
  const decoder = new AlertDecoder({ config, logger });
  const annotate = createAnnotator({ catalogs: await loadConfiguredCatalogs(config, logger), features: config.annotate.features });
  for await (const item of readAlertMessages(paths)) {
    if (isAlertFileError(item)) {
      process.stderr.write(`${item.source}: ${item.error.code}: ${item.error.message}\n`);
      onFailure();
      continue;
    }
    for (const outcome of await decoder.decodeMessage(item.bytes)) {
      if (!outcome.ok) {
        process.stderr.write(`${item.source}#${outcome.index}: ${outcome.error.code}: ${outcome.error.message}\n`);
        onFailure();
        continue;
      }
      annotate([outcome.alert]);
      yield outcome.alert;
    }
  }
}

async function manage(action: string, argv: string[], { config, logger }: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      owner: { type: 'string' },
      expr: { type: 'string' },
      name: { type: 'string' },
      description: { type: 'string' },
      public: { type: 'boolean', default: false },
      format: { type: 'string', default: 'json' },
      lightcurve: { type: 'boolean', default: false },
      cutouts: { type: 'boolean', default: false },
      version: { type: 'string' },
    },
  });
  const store = new FilterStore(createKafka(config, logger), config, logger, expressionErrors);
  await store.start();
  try {
    if (action === 'list') {
      const filters = values.owner ? store.ownedBy(values.owner) : store.topic.values();
      for (const f of filters) process.stdout.write(`${f.id}\t${f.owner}\t${f.state}\tv${activeVersionOf(f)?.version ?? f.versions.at(-1)?.version}\t${f.versions.at(-1)?.expression}\n`);
      return 0;
    }
    const id = positionals[0];
    const owner = values.owner;
    if (!id || !owner) throw new NightjarError('REQUEST_INVALID', `usage: nightjar ${usage}`);
    const format = values.format as OutputFormat;
    if (format !== 'json' && format !== 'avro') throw new NightjarError('REQUEST_INVALID', '--format must be json or avro');
    const output = { format, lightcurve: values.lightcurve!, cutouts: values.cutouts! };
    const record =
      action === 'add'
        ? await store.create({ id, owner, name: values.name, description: values.description, public: values.public, expression: required(values.expr, '--expr'), output })
        : action === 'version'
          ? await store.addVersion(id, owner, required(values.expr, '--expr'), output)
          : action === 'activate'
            ? await store.activate(id, owner, values.version === undefined ? undefined : Number(values.version))
            : await store.pause(id, owner);
    process.stdout.write(`${record.id}: ${record.state}, versions ${record.versions.map((v) => v.version).join(',')}${record.activeVersion ? `, active v${record.activeVersion}` : ''}\n`);
    return 0;
  } finally {
    await store.stop();
  }
}

function required(value: string | undefined, flag: string): string {
  if (!value) throw new NightjarError('REQUEST_INVALID', `${flag} is required`);
  return value;
}

function single(argv: string[], usageLine: string): string {
  if (argv.length !== 1) throw new NightjarError('REQUEST_INVALID', `usage: nightjar ${usageLine}`);
  return argv[0]!;
}

