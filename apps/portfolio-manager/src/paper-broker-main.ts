// Entry point of njord-paper-broker: flags -> read config -> run the broker; the only place that exits.
import { Command, CommanderError } from 'commander';
import { readConfig } from './config.js';
import { createLogger } from './logger.js';
import { PaperBroker } from './paper/broker.js';

interface Flags {
  readonly config: string;
  readonly redisUrl?: string;
  readonly logLevel: string;
}

export async function main(argv: readonly string[]): Promise<number> {
  const args = argv.slice(2);
  if (args[0] === '--') args.shift();
  const program = new Command()
    .name('njord-paper-broker')
    .description(
      "Fills the portfolio's order intents on paper: reads the orders stream (consumer group " +
        'paper-broker:<portfolio>), fills each intent at the latest mark as of the intent (its ' +
        "reference price when there is none) with the portfolio's costs, and writes the fill " +
        '(fill_id paper:<intent_id>) to the fills stream, once per intent across restarts.',
    )
    .option('-c, --config <path>', 'manager config (YAML)', 'config/base.yaml')
    .option('--redis-url <url>', 'Redis URL; beats NJORD_REDIS_URL and the file')
    .option('--log-level <level>', 'pino level', 'info')
    .addHelpText(
      'after',
      '\nExit codes: 0 stopped (SIGTERM/SIGINT), 1 failure, 2 bad flags or config\n' +
        '\nExample:\n  njord-paper-broker --config config/base.yaml\n',
    )
    .exitOverride();
  try {
    program.parse(args, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.code === 'commander.helpDisplayed' ? 0 : 2;
    throw error;
  }
  const flags = program.opts<Flags>();
  const loaded = await readConfig(flags.config, {
    redisUrlFlag: flags.redisUrl,
    redisUrlEnv: process.env.NJORD_REDIS_URL,
  });
  if (!loaded.success) {
    process.stderr.write('invalid configuration:\n');
    for (const issue of loaded.error.issues)
      process.stderr.write(`  - ${issue.path ? `${issue.path}: ` : ''}${issue.message}\n`);
    return 2;
  }
  const logger = createLogger({
    level: flags.logLevel,
    portfolioId: loaded.data.portfolio.id,
    service: 'paper-broker',
  });
  const broker = new PaperBroker(loaded.data, logger);
  process.on('SIGTERM', () => broker.stop());
  process.on('SIGINT', () => broker.stop());
  try {
    await broker.run();
    return 0;
  } catch (error) {
    logger.fatal(
      { error: error instanceof Error ? (error.stack ?? error.message) : String(error) },
      'paper broker failed',
    );
    return 1;
  }
}

main(process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
