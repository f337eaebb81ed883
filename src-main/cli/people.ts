/**
 * `shoebox people [--json]`, `shoebox people name <person> <name>`, `shoebox people merge <a> <b>`:
 * persons and their faces, read from the store whether or not an engine runs.
 */
import { Option, type Command } from 'commander';
import { PeopleError } from '../../src-core/store/repos/people-repo.js';
import { OperationError } from '../engine/operations.js';
import { libraryPaths } from '../../src-core/paths.js';
import { PeopleService } from '../engine/people/people-service.js';
import { LibraryClient } from './library-client.js';

interface Options {
  data?: string;
  json?: boolean;
}

const r4 = (v: number) => Math.round(v * 10000) / 10000;

async function withPeople<T>(options: Options, fn: (people: PeopleService) => Promise<T>): Promise<T> {
  return LibraryClient.withExisting({ data: options.data }, async (client) => {
    try {
      return await fn(new PeopleService(client.store.sql, libraryPaths(client.config.dataDir).cacheDir));
    } catch (error) {
      // A wrong person id is the caller's mistake: exit 1 with the specific reason.
      if (error instanceof PeopleError) throw new OperationError(error.message, 'not-found');
      throw error;
    }
  });
}

/** The `people --json` document: persons (unnamed first, by size) with their faces, then gated faces in no person. */
export async function peopleDocument(people: PeopleService) {
  const { people: persons } = await people.list();
  const out = [];
  for (const p of persons) {
    const { faces } = await people.person(p.id);
    out.push({ id: p.id, name: p.name, faces: faces.map((f) => ({ path: f.path, box: f.box.map(r4) })) });
  }
  const unassigned = (await people.faces('unassigned', false)).map((f) => ({ path: f.path, box: f.box.map(r4) }));
  return { people: out, unassigned };
}

export function registerPeopleCommands(program: Command): void {
  const dataOption = () => new Option('--data <dir>', 'library folder (default: the app-data folder; env SHOEBOX_DATA)');
  const people = program
    .command('people')
    .description('persons found in the library and their faces (boxes normalised 0–1: x, y, w, h)')
    .addOption(dataOption())
    .addOption(new Option('--json', 'print JSON instead of text'))
    .action(async (options: Options) => {
      const doc = await withPeople(options, peopleDocument);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(doc)}\n`);
        return;
      }
      const lines = doc.people.map((p) => `${p.id}  ${(p.name ?? '(unnamed)').padEnd(24)} ${p.faces.length} face${p.faces.length === 1 ? '' : 's'}`);
      lines.push(`${doc.unassigned.length} face${doc.unassigned.length === 1 ? '' : 's'} in no person yet`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  people
    .command('name')
    .description('name a person (id, id prefix or current name)')
    .argument('<person>')
    .argument('<name>')
    .addOption(dataOption())
    .action(async (person: string, name: string, _options: Options, cmd: Command) => {
      // --data may be given before or after the subcommand: read it with the parent's options.
      const id = await withPeople(cmd.optsWithGlobals<Options>(), async (s) => {
        const resolved = await s.resolvePerson(person);
        await s.setName(resolved, name);
        return resolved;
      });
      process.stdout.write(`named ${id} "${name.trim()}"\n`);
    });

  people
    .command('merge')
    .description('merge person <a> into person <b> (b keeps its name, or takes a\'s)')
    .argument('<a>')
    .argument('<b>')
    .addOption(dataOption())
    .action(async (a: string, b: string, _options: Options, cmd: Command) => {
      const [from, into] = await withPeople(cmd.optsWithGlobals<Options>(), async (s) => {
        const ids = [await s.resolvePerson(a), await s.resolvePerson(b)] as const;
        await s.merge(ids[0], ids[1]);
        return ids;
      });
      process.stdout.write(`merged ${from} into ${into}\n`);
    });
}
