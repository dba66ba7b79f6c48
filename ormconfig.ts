import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { DemoUsers1764000000100 } from './src/demo/demo-schema.migration.js';
import { DemoUserEntity } from './src/demo/demo-user.entity.js';
import { buildDataSourceOptions } from './src/persistence/data-source-options.js';

/**
 * The DataSource the TypeORM CLI uses (`npm run migration:run`): the module's entities and
 * migrations plus the demo's, on `DATABASE_URL` (default: the SQLite file data/device-grant.sqlite).
 */
export default new DataSource(
  buildDataSourceOptions({
    url: process.env.DATABASE_URL,
    entities: [DemoUserEntity],
    migrations: [DemoUsers1764000000100],
    migrationsRun: false,
  }),
);
