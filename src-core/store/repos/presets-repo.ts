/**
 * Presets and the selection rules that pick one per photo (issue 15). The built-ins are seeded into the
 * library the first time the repository is used (and stay editable there); rules are one ordered list,
 * first match wins.
 */
import { randomUUID } from 'node:crypto';
import { BUILTIN_PRESETS, DEFAULT_RULES } from '../../presets/builtin-presets.js';
import { readPresetFile } from '../../presets/preset-file.js';
import { crsSettingsSchema, presetRuleSchema, type CrsSettings, type Preset, type PresetRule } from '../../../src-shared/presets.js';
import type { NamedMigration, SqlDb } from '../sql/sql-db.js';
import { SIDECAR_NAMINGS, type SidecarNaming } from '../../xmp/sidecar-writer.js';

export const PRESETS_MIGRATIONS: NamedMigration[] = [
  {
    id: 'presets/001-tables',
    sql: `CREATE TABLE IF NOT EXISTS presets (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            group_name TEXT,
            source TEXT NOT NULL,
            settings_json TEXT NOT NULL,
            updated_at TEXT NOT NULL
          );
          CREATE TABLE IF NOT EXISTS preset_rules (
            id TEXT PRIMARY KEY,
            position INTEGER NOT NULL,
            when_json TEXT NOT NULL,
            unless_json TEXT NOT NULL,
            preset_id TEXT NOT NULL REFERENCES presets(id)
          );
          CREATE TABLE IF NOT EXISTS preset_library_state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
          )`,
  },
];

export class PresetError extends Error {}

interface PresetRow {
  id: string;
  name: string;
  group_name: string | null;
  source: string;
  settings_json: string;
  updated_at: string;
}

interface RuleRow {
  id: string;
  position: number | string;
  when_json: string;
  unless_json: string;
  preset_id: string;
}

function presetFromRow(row: PresetRow): Preset {
  return {
    id: row.id,
    name: row.name,
    group: row.group_name,
    source: row.source as Preset['source'],
    settings: JSON.parse(row.settings_json) as CrsSettings,
    updatedAt: row.updated_at,
  };
}

function ruleFromRow(row: RuleRow): PresetRule {
  return { id: row.id, when: JSON.parse(row.when_json), unless: JSON.parse(row.unless_json), presetId: row.preset_id };
}

const PRESET_COLUMNS = 'id, name, group_name, source, settings_json, updated_at';

export class PresetsRepo {
  private seeded: Promise<void> | null = null;

  constructor(private readonly db: SqlDb) {}

  /** Seeds the built-in presets (missing ones only) and, once per library, the default rules. */
  private ready(): Promise<void> {
    this.seeded ??= this.db.transaction(async (tx) => {
      const now = new Date().toISOString();
      for (const p of BUILTIN_PRESETS) {
        await tx.run(
          `INSERT INTO presets (${PRESET_COLUMNS}) VALUES (?, ?, NULL, 'builtin', ?, ?) ON CONFLICT (id) DO NOTHING`,
          [p.id, p.name, JSON.stringify(p.settings), now],
        );
      }
      const { changes } = await tx.run(`INSERT INTO preset_library_state (key, value) VALUES ('rules-seeded', ?) ON CONFLICT (key) DO NOTHING`, [now]);
      if (changes > 0) await writeRules(tx, DEFAULT_RULES);
    }).catch((err) => {
      this.seeded = null;
      throw err;
    });
    return this.seeded;
  }

  async list(): Promise<Preset[]> {
    await this.ready();
    const rows = await this.db.all<PresetRow>(`SELECT ${PRESET_COLUMNS} FROM presets ORDER BY source = 'builtin' DESC, name, id`);
    return rows.map(presetFromRow);
  }

  async get(id: string): Promise<Preset | null> {
    await this.ready();
    const row = await this.db.get<PresetRow>(`SELECT ${PRESET_COLUMNS} FROM presets WHERE id = ?`, [id]);
    return row ? presetFromRow(row) : null;
  }

  /** A preset by id, or by name (case-insensitive) when the name is unambiguous. */
  async find(idOrName: string): Promise<Preset | null> {
    const byId = await this.get(idOrName);
    if (byId) return byId;
    const matches = (await this.list()).filter((p) => p.name.toLowerCase() === idOrName.toLowerCase());
    if (matches.length > 1) throw new PresetError(`"${idOrName}" names ${matches.length} presets (${matches.map((p) => p.id).join(', ')}): use the id`);
    return matches[0] ?? null;
  }

  /** Creates or edits a preset (a built-in stays 'builtin' when edited). Settings are validated. */
  async save(input: { id?: string; name: string; group?: string | null; settings: CrsSettings; source?: 'user' | 'imported' }): Promise<Preset> {
    await this.ready();
    const settings = crsSettingsSchema.parse(input.settings);
    const name = input.name.trim();
    if (!name) throw new PresetError('a preset needs a name');
    const id = input.id ?? `user:${randomUUID()}`;
    const now = new Date().toISOString();
    await this.db.run(
      `INSERT INTO presets (${PRESET_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, group_name = excluded.group_name, settings_json = excluded.settings_json, updated_at = excluded.updated_at`,
      [id, name, input.group ?? null, input.source ?? 'user', JSON.stringify(settings), now],
    );
    return (await this.get(id))!;
  }

  /**
   * Imports a Lightroom / Camera Raw preset file. The preset's own UUID makes re-importing the same file
   * update the earlier import rather than duplicate it.
   */
  async importFile(xml: string, fileName: string): Promise<{ preset: Preset; skipped: string[] }> {
    const file = readPresetFile(xml, fileName);
    const id = `imported:${file.uuid ?? file.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
    const preset = await this.save({ id, name: file.name, group: file.group, settings: file.settings, source: 'imported' });
    return { preset, skipped: file.skipped };
  }

  /** Deletes a preset no rule uses; built-ins cannot be deleted (they would come back on the next start). */
  async remove(id: string): Promise<void> {
    await this.ready();
    const preset = await this.get(id);
    if (!preset) throw new PresetError(`no preset "${id}"`);
    if (preset.source === 'builtin') throw new PresetError(`"${preset.name}" is built in: edit it instead of deleting it`);
    const users = await this.db.all<{ id: string }>('SELECT id FROM preset_rules WHERE preset_id = ?', [id]);
    if (users.length > 0) throw new PresetError(`"${preset.name}" is used by rule(s) ${users.map((r) => r.id).join(', ')}: change those first`);
    await this.db.run('DELETE FROM presets WHERE id = ?', [id]);
  }

  /** How sidecars are named in this library: 'stem' (photo.xmp, Lightroom) by default, or 'full' (photo.jpg.xmp). */
  async sidecarNaming(): Promise<SidecarNaming> {
    const row = await this.db.get<{ value: string }>(`SELECT value FROM preset_library_state WHERE key = 'sidecar-naming'`);
    return row?.value === 'full' ? 'full' : 'stem';
  }

  async setSidecarNaming(naming: SidecarNaming): Promise<void> {
    if (!SIDECAR_NAMINGS.includes(naming)) throw new PresetError(`sidecar naming is ${SIDECAR_NAMINGS.join(' or ')}, not "${naming}"`);
    await this.db.run(`INSERT INTO preset_library_state (key, value) VALUES ('sidecar-naming', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [naming]);
  }

  async rules(): Promise<PresetRule[]> {
    await this.ready();
    const rows = await this.db.all<RuleRow>('SELECT id, position, when_json, unless_json, preset_id FROM preset_rules ORDER BY position');
    return rows.map(ruleFromRow);
  }

  /** Replaces the ordered rule list; every rule must name an existing preset. */
  async setRules(input: readonly PresetRule[]): Promise<PresetRule[]> {
    await this.ready();
    const rules = input.map((r) => presetRuleSchema.parse(r));
    const ids = new Set<string>();
    rules.forEach((r, i) => {
      if (ids.has(r.id)) throw new PresetError(`rule id "${r.id}" appears twice`);
      ids.add(r.id);
      const both = r.when.filter((l) => (r.unless ?? []).includes(l));
      if (both.length > 0) throw new PresetError(`rule ${i + 1} both needs and excludes ${both.join(', ')}: it can never match`);
      // A rule that matches every photo hides everything after it: only the default (last) may do so.
      if (r.when.length === 0 && (r.unless ?? []).length === 0 && i < rules.length - 1) {
        throw new PresetError(`rule ${i + 1} matches every photo, so the ${rules.length - 1 - i} rule(s) after it would never be used: keep the default last`);
      }
    });
    await this.db.transaction(async (tx) => {
      for (const r of rules) {
        const found = await tx.get<{ id: string }>('SELECT id FROM presets WHERE id = ?', [r.presetId]);
        if (!found) throw new PresetError(`rule "${r.id}" names preset "${r.presetId}", which does not exist`);
      }
      await tx.run('DELETE FROM preset_rules');
      await writeRules(tx, rules);
    });
    return this.rules();
  }
}

async function writeRules(tx: SqlDb, rules: readonly PresetRule[]): Promise<void> {
  let position = 0;
  for (const r of rules) {
    await tx.run('INSERT INTO preset_rules (id, position, when_json, unless_json, preset_id) VALUES (?, ?, ?, ?, ?)', [
      r.id,
      position++,
      JSON.stringify(r.when),
      JSON.stringify(r.unless ?? []),
      r.presetId,
    ]);
  }
}
