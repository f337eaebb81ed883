import type { HostView } from '../../src-shared/hosts.js';
import { cameraName } from '../../src-shared/photo-words.js';
import { formatMaintenanceRuns } from './maintenance-commands.js';
import { formatModelStatus } from './models-commands.js';
import type { MetadataExtra, PhotoDetail } from '../../src-shared/photo.js';
import type { InspectView } from '../engine/inspect-view.js';
import { defaultDataDir } from '../../src-core/paths.js';
import type { IngestSummary } from '../engine/ingest/ingest-runner.js';
import type { FailedEntry, LibraryStatus } from '../engine/operations.js';

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function formatSummary(summary: IngestSummary, dataDir: string): string {
  const lines = [
    summary.interrupted ? 'Ingest interrupted: run the same command again to resume.' : 'Ingest finished.',
    `  photos ${summary.photos}  completed ${summary.completed}  failed ${summary.failed}  skipped (unchanged) ${summary.skipped}` +
      (summary.cancelled ? `  cancelled ${summary.cancelled}` : ''),
    `  ${summary.seconds.toFixed(1)} s${summary.ignored ? `, ${summary.ignored} non-photo files ignored` : ''}`,
  ];
  if (summary.analysed === 0 && !summary.interrupted) lines.push('  Nothing changed since the last analysis: no work was done.');
  if (summary.failed) lines.push(`  See why with: shoebox failed${dataDir === defaultDataDir() ? '' : ` --data ${JSON.stringify(dataDir)}`}`);
  lines.push(`  Library: ${dataDir}`);
  return lines.join('\n');
}

/** One line per worker of every machine on the shared Redis; a machine that stopped reporting is "gone since <time>". */
export function formatHosts(hosts: HostView[]): string {
  const rows = [['host', 'worker', 'class', 'state', 'jobs', 'heartbeat']];
  for (const host of hosts) {
    const name = `${host.host} (${host.role})`;
    const heartbeat = host.gone ? `gone since ${host.at}` : host.at;
    if (host.refusal) rows.push([name, '-', '-', 'refusing work', '-', `${heartbeat}: ${host.refusal}`]);
    for (const w of host.workers) rows.push([name, w.id, w.workerClass, host.gone ? 'gone' : w.state, String(w.jobsDone), heartbeat]);
    if (!host.workers.length && !host.refusal) rows.push([name, '-', '-', host.gone ? 'gone' : 'no workers', '-', heartbeat]);
  }
  return table(rows);
}

export function formatStatus(status: LibraryStatus): string {
  const out: string[] = [`Library ${status.dataDir}`];
  out.push(status.engine.running ? `Engine running (pid ${status.engine.pid})` : 'No engine running (queue counts need one; showing the store)');
  for (const pause of status.pauses) out.push(`Paused ${pause.scope} by ${pause.by} at ${pause.at}: ${pause.reason}`);
  if (status.lanes) {
    const rows = [['lane', 'waiting', 'active', 'delayed', 'failed', 'paused']];
    for (const [lane, c] of Object.entries(status.lanes)) {
      rows.push([lane, String(c.waiting + c.prioritized + c.paused), String(c.active), String(c.delayed), String(c.failed), c.isPaused ? 'yes' : 'no']);
    }
    out.push('', table(rows));
  }
  if (status.workers.length) {
    const rows = [['worker', 'pid', 'state', 'jobs', 'rss MB', 'restarts', 'note']];
    for (const w of status.workers) rows.push([w.id, String(w.pid ?? '-'), w.state, String(w.jobsDone), String(w.rssMb ?? '-'), String(w.restarts), w.reason ?? '']);
    out.push('', table(rows));
  }
  // Only with another machine: on one machine the workers table above says it all.
  if (status.hosts.some((h) => h.role === 'worker')) out.push('', formatHosts(status.hosts));
  out.push('', `Photos: ${Object.entries(status.photos).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (status.lastIngest) {
    const t = status.lastIngest.totals;
    out.push(
      `Last ingest ${status.lastIngest.id} (${status.lastIngest.state}, started ${status.lastIngest.startedAt}): ` +
        `${t.photos} photos, ${t.completed} completed, ${t.failed} failed, ${t.skipped} skipped, ${t.queued + t.processing} in progress`,
    );
  }
  if (status.maintenance.runs.length) out.push('', 'Maintenance:', ...formatMaintenanceRuns(status.maintenance.runs).map((line) => `  ${line}`));
  if (status.maintenance.missingPhotos) out.push(`${status.maintenance.missingPhotos} photo(s) missing from disk (results kept): shoebox maintenance`);
  for (const m of status.models ?? []) if (m.state === 'running' || m.state === 'failed') out.push('', `Model upgrade: ${formatModelStatus(m)}`);
  return out.join('\n');
}

export function formatFailed(entries: FailedEntry[]): string {
  if (entries.length === 0) return 'No failed photos.';
  const rows = [['job', 'stage', 'attempts', 'reason', 'photo']];
  for (const e of entries) rows.push([e.jobId, e.stage ?? '-', String(e.attempts), `${e.errorCode}: ${e.error}`, e.path]);
  return `${table(rows)}\n\n${entries.length} failed. Retry with: shoebox retry <job> | shoebox retry --all`;
}

export function formatDetail(detail: PhotoDetail, view: InspectView): string {
  const out = [`${detail.path}`, `  state ${detail.state}  revision ${detail.revision}  id ${detail.id}`];
  if (detail.error) out.push(`  failed at ${detail.failedStage ?? '-'}: ${detail.errorCode}: ${detail.error}`);
  out.push('  stages:');
  for (const s of detail.stages) out.push(`    ${s.stage.padEnd(10)} ${s.state.padEnd(8)} ${s.ms ?? '-'} ms${s.error ? `  ${s.errorCode}: ${s.error}` : ''}${s.note ? `  (${s.note})` : ''}`);
  if (detail.metadata) {
    const m = detail.metadata;
    const extra = m as Partial<MetadataExtra>;
    const dateFrom = extra.takenAtSource ? ` (from ${extra.takenAtSource}${extra.takenAtUncertain ? ', date uncertain' : ''})` : '';
    out.push(`  taken ${m.takenAt ?? '-'}${dateFrom}  camera ${cameraName(m.make, m.model) ?? '-'}  lens ${m.lens ?? '-'}`);
    if (extra.title || extra.label || extra.pick) out.push(`  title ${extra.title ?? '-'}  label ${extra.label ?? '-'}  flag ${extra.pick ?? '-'}`);
    out.push(`  ${m.width ?? '?'}×${m.height ?? '?'}  orientation ${m.orientation ?? '-'}  ISO ${m.iso ?? '-'}  ${m.exposureTime ?? '-'} s  f/${m.fNumber ?? '-'}  ${m.focalLength ?? '-'} mm`);
    if (m.gps) out.push(`  GPS ${m.gps.lat}, ${m.gps.lon}${m.gps.alt !== null ? ` alt ${m.gps.alt} m` : ''}`);
  }
  if (detail.derivatives) out.push(`  dHash ${detail.derivatives.dhash}  thumbnail ${detail.derivatives.thumbnailPath}`);
  if (view.quality) out.push(`  quality ${view.quality.score.toFixed(2)} / 5 (${view.quality.priority} priority)`);
  if (view.faces.length) out.push(`  faces ${view.faces.length}${view.faces.some((f) => f.eyesClosed) ? ` (${view.faces.filter((f) => f.eyesClosed).length} with eyes closed)` : ''}`);
  if (view.text) out.push(`  text ${JSON.stringify(view.text.replaceAll('\n', ' '))}`);
  if (view.tags.length) out.push(`  tags ${view.tags.join(', ')}`);
  if (view.description) out.push(`  ${view.description}`);
  if (view.embedding) out.push(`  embedding ${view.embedding.model} (${view.embedding.dims} dims)`);
  return out.join('\n');
}
