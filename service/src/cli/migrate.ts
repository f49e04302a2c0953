/** `container-mapping migrate`: applies pending migrations and exits. */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { openStore } from '../store/openStore';
import type { Command } from './command';
import { CONFIG_FLAGS, flagsToSettings } from './configFlags';

export const migrateCommand: Command = {
  summary: 'apply database migrations',
  usage: 'migrate [--database URL] [--config file.json]',
  async run(args, io) {
    const { values } = parseArgs({ args, options: CONFIG_FLAGS, strict: true });
    const config = loadConfig({ ...(values.config ? { file: values.config } : {}), env: io.env, flags: flagsToSettings(values) });
    const store = await openStore(config.databaseUrl);
    try {
      const applied = await store.migrate();
      io.out(applied.length === 0 ? 'database is up to date' : `applied migrations ${applied.join(', ')}`);
    } finally {
      await store.close();
    }
    return 0;
  },
};
