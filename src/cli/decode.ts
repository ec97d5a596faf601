/**
 * `nightjar decode PATH... [--raw] [--cutouts]`: prints one normalised alert per line as JSON on
 * stdout (64-bit ids as strings); what does not decode is reported on stderr as
 * `SOURCE[#index]: CODE: message`. Exit status 1 when anything failed. See docs/replay.md.
 */
import { parseArgs } from 'node:util';
import { alertToJSON } from '../alert/json.js';
import type { Config } from '../config/index.js';
import { NightjarError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import { isAlertFileError, readAlertMessages } from '../ingest/files.js';
import { AlertDecoder, type DecodeOutcome } from '../ingest/index.js';

export const decodeUsage = 'decode PATH... [--raw] [--cutouts]';

export interface DecodeArgs {
  paths: string[];
  raw: boolean;
  cutouts: boolean;
}

export function parseDecodeArgs(argv: string[]): DecodeArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { raw: { type: 'boolean' }, cutouts: { type: 'boolean' } } });
  } catch (err) {
    throw usage((err as Error).message);
  }
  if (parsed.positionals.length === 0) throw usage('give one or more alert files, directories or archives');
  return { paths: parsed.positionals, raw: parsed.values.raw ?? false, cutouts: parsed.values.cutouts ?? false };
}

function usage(message: string): NightjarError {
  return new NightjarError('CLI_USAGE', `${message}\nusage: nightjar ${decodeUsage}`);
}

/** What decode needs of the decoder (src/ingest/index.ts). */
export interface MessageDecoder {
  decodeMessage(bytes: Uint8Array, options: { cutouts: boolean; raw: boolean }): Promise<DecodeOutcome[]>;
}

export interface OutputStream {
  write(text: string): boolean;
  once?(event: 'drain', listener: () => void): unknown;
}

export interface DecodeDeps {
  decoder?: MessageDecoder;
  stdout?: OutputStream;
  stderr?: { write(text: string): unknown };
}

export async function decodeCommand(argv: string[], config: Config, logger: Logger, deps: DecodeDeps = {}): Promise<number> {
  const args = parseDecodeArgs(argv);
  const decoder = deps.decoder ?? new AlertDecoder({ config, logger: logger.child({ component: 'decode' }) });
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  let failed = 0;
  for await (const item of readAlertMessages(args.paths)) {
    if (isAlertFileError(item)) {
      failed += 1;
      stderr.write(`${item.source}: ${item.error.code}: ${item.error.message}\n`);
      continue;
    }
    const outcomes = await decoder.decodeMessage(item.bytes, { cutouts: args.cutouts, raw: args.raw });
    for (const outcome of outcomes) {
      if (outcome.ok) {
        await writeLine(stdout, JSON.stringify(alertToJSON(outcome.alert)));
      } else {
        failed += 1;
        const where = outcomes.length > 1 ? `${item.source}#${outcome.index}` : item.source;
        stderr.write(`${where}: ${outcome.error.code}: ${outcome.error.message}\n`);
      }
    }
  }
  return failed > 0 ? 1 : 0;
}

/** Writes a line, waiting for the pipe to drain when it is full (e.g. `nightjar decode ... | head`). */
async function writeLine(stream: OutputStream, line: string): Promise<void> {
  if (stream.write(`${line}\n`) || !stream.once) return;
  await new Promise<void>((resolve) => stream.once!('drain', resolve));
}
