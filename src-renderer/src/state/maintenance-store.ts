/**
 * The Queues view's history charts and maintenance card (issue 18): metrics over the chosen range and
 * the scheduled tasks, polled while shown, and "Run now". Its own zustand store, bound to the API
 * client once at start-up (like the exports').
 */
import { create } from 'zustand';
import type { ApiClient } from '../../../src-shared/api/client.js';
import type { Res } from '../../../src-shared/api/contract.js';
import type { MetricRange } from '../../../src-shared/metrics.js';

export type MetricsDto = Res<'metrics.get'>;
export type MaintenanceDto = Res<'maintenance.list'>;
export type MaintenanceTaskDto = MaintenanceDto['tasks'][number];

export interface MaintenanceState {
  range: MetricRange;
  metrics: MetricsDto | null;
  maintenance: MaintenanceDto | null;
  error: string | null;
  /** The task whose "Run now" is being sent. */
  busy: string | null;
  setRange(range: MetricRange): Promise<void>;
  refresh(): Promise<void>;
  runNow(task: MaintenanceTaskDto['task']): Promise<void>;
}

let client: ApiClient | null = null;
const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export const useMaintenance = create<MaintenanceState>()((set, get) => ({
  range: 'hour',
  metrics: null,
  maintenance: null,
  error: null,
  busy: null,
  async setRange(range) {
    set({ range, metrics: null });
    await get().refresh();
  },
  async refresh() {
    if (!client) return;
    try {
      const [metrics, maintenance] = await Promise.all([client['metrics.get']({ range: get().range }), client['maintenance.list']({})]);
      if (metrics.range === get().range) set({ metrics, maintenance, error: null });
    } catch (e) {
      set({ error: errorText(e) });
    }
  },
  async runNow(task) {
    if (!client) return;
    set({ busy: task });
    try {
      await client['maintenance.run']({ task });
      await get().refresh();
    } catch (e) {
      set({ error: errorText(e) });
    } finally {
      set({ busy: null });
    }
  },
}));

export function bindMaintenance(api: ApiClient): void {
  client = api;
}
