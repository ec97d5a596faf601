import { servicesCommand, servicesSummary, servicesUsage } from '../services/cli.js';
import { decodeCommand, decodeUsage } from './decode.js';
import { catalogCommand } from './catalog.js';
import { filterCommand } from './filter.js';
import { jobCommand } from './job.js';
import type { Command } from './main.js';
import { replayCommand, replayUsage } from './replay.js';
import { runCommand } from './run.js';
import { tokenCommand } from './token.js';
import { userCommand } from './user.js';
import { upCommand } from './up.js';
import { watchlistCommand, watchmapCommand } from './watch.js';

/** Every command `nightjar --help` lists; only commands that work are here. */
export const commands: Command[] = [
  upCommand,
  runCommand,
  { name: 'services', usage: servicesUsage, summary: servicesSummary, run: (argv, { config, logger }) => servicesCommand(argv, config, logger), service: true },
  { name: 'decode', usage: decodeUsage, summary: 'print each alert in the given files, directories or tar archives as one JSON line', run: (argv, { config, logger }) => decodeCommand(argv, config, logger) },
  { name: 'replay', usage: replayUsage, summary: 'publish alerts (or synthetic ones) to Kafka in the surveys\' own wire formats', run: (argv, { config, logger }) => replayCommand(argv, config, logger) },
  filterCommand,
  watchlistCommand,
  watchmapCommand,
  userCommand,
  tokenCommand,
  jobCommand,
  catalogCommand,
];
