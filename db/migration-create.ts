// Generates a migration from the difference between the entities and the committed snapshot,
// then appends it to db/migrations/index.ts. Usage: npm run db:migration:create
import { readFile, writeFile } from 'node:fs/promises';
import { createOrm, ormOptions } from './orm.js';

const url = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const base = ormOptions(url);
// The snapshot is the committed model this diff starts from; generation updates it.
const orm = await createOrm(url, {
  connect: false,
  migrations: { ...base.migrations, snapshot: true },
});
try {
  const result = await orm.getMigrator().createMigration();
  if (!result.fileName) {
    console.log('No changes: the entities match db/migrations/.snapshot.json.');
  } else {
    const name = result.fileName.replace(/\.ts$/, '');
    const indexUrl = new URL('./migrations/index.ts', import.meta.url);
    let index = await readFile(indexUrl, 'utf8');
    index = index.replace(
      /\nexport const migrationsList = \[/,
      `import { ${name} } from './${name}.js';\n\nexport const migrationsList = [`,
    );
    index = index.replace(/\];\s*$/, `  { name: '${name}', class: ${name} },\n];\n`);
    await writeFile(indexUrl, index);
    console.log(`Created db/migrations/${result.fileName} and listed it in db/migrations/index.ts`);
  }
} finally {
  await orm.close();
}
