import fs from 'node:fs';
import type { Lane, WorkerClass, WorkerRole } from '../../src-shared/lanes.js';
import { LANES } from '../../src-shared/lanes.js';
import type { WorkerLaunchConfig } from '../../src-shared/worker-protocol.js';
import { readSavedSettings, storeLocation, storeSetting, writeSavedSettings, type EngineConfig } from '../../src-core/config.js';
import { readRunningEngine, removeEngineFile, writeEngineFile } from './engine-file.js';
import { IngestRunner, type IngestOptions, type IngestSummary } from './ingest/ingest-runner.js';
import { createFileLogger, type Logger } from '../../src-core/logger.js';
import { libraryPaths, type LibraryPaths } from '../../src-core/paths.js';
import { Lanes } from '../../src-core/queues.js';
import { endpointFromUrl, type RedisEndpoint } from '../../src-core/redis-endpoint.js';
import { guardSharedRedis } from '../../src-core/shared-redis-guard.js';
import { HostReporter } from './host-reporter.js';
import { publishEngineVersions } from '../../src-core/host-versions.js';
import { RedisSupervisor } from './redis/redis-supervisor.js';
import { openStore } from '../../src-core/store/open-store.js';
import type { Store, WorkerStatus } from '../../src-core/store/store.js';
import type { StoreLocation } from '../../src-shared/store-location.js';
import { sweep } from './sweep.js';
import { WorkerPool } from './worker-pool.js';
import { scheduleMaintenance } from './maintenance/maintenance-jobs.js';
import { resumeModelUpgrade } from './maintenance/model-upgrade-jobs.js';
import { MaintenanceRepo } from '../../src-core/store/repos/maintenance-repo.js';
import { ResourceGovernor, type IdleSource, type SensorSource } from './governor.js';
import { MlBoost } from './ml-boost.js';
import { systemSensors } from './governor/system-sensors.js';
import { FolderWatcher } from './watch/folder-watcher.js';
import { MetricsSampler } from './metrics/metrics-sampler.js';
import { MetricsRepo } from '../../src-core/store/repos/metrics-repo.js';
import { relinkMovedFiles } from '../../src-core/maintenance/library-check.js';
import { WatchRepo } from '../../src-core/store/repos/watch-repo.js';

export interface EngineStartOptions {
  consoleLevel?: 'warn' | 'error' | false;
  /** The governor's readings (default: this machine's); a test injects its own. */
  sensors?: SensorSource;
  /** Seconds since the person last used the computer (Electron's powerMonitor); none headless. */
  idle?: IdleSource;
  /** How often metrics are sampled (default every minute). */
  metricsIntervalMs?: number;
  /**
   * How long the start waits for every worker to report ready (default 3 minutes: an ML worker loading its
   * models on a slow or busy machine, cold disk cache, can take over a minute; the start fails after this).
   */
  workersReadyTimeoutMs?: number;
}

export class EngineAlreadyRunning extends Error {
  override name = 'EngineAlreadyRunning';
}

type QueueSubscription = WorkerLaunchConfig['queues'][number];

/**
 * Which queues each role's processes consume. Bulk processes take their class's lanes — the
 * default lane at the class's concurrency, the others with a slot of their own so they are never
 * starved by a long ingest — and leave high_priority to the interactive process when there is one.
 */
export function queuesFor(
  role: WorkerRole,
  config: Pick<EngineConfig, 'cpuConcurrency' | 'mlConcurrency' | 'interactiveWorker' | 'mlWorkers'>,
): QueueSubscription[] {
  const concurrencyOf = (workerClass: WorkerClass): number => (workerClass === 'cpu' ? config.cpuConcurrency : config.mlConcurrency);
  if (role === 'interactive') {
    // A machine that runs no ML workers (a CPU-only helper) loads no models for its interactive one either.
    const classes: WorkerClass[] = config.mlWorkers > 0 ? ['cpu', 'ml'] : ['cpu'];
    return classes.map((workerClass) => ({ workerClass, lane: 'high_priority', concurrency: concurrencyOf(workerClass) }));
  }
  return LANES.filter((lane) => !(lane === 'high_priority' && config.interactiveWorker)).map((lane) => ({
    workerClass: role,
    lane,
    concurrency: lane === 'default' ? concurrencyOf(role) : 1,
  }));
}

/** The worker processes of every role, as configured; used by the engine and by `shoebox worker`. */
export function createWorkerPool(config: EngineConfig, paths: LibraryPaths, endpoint: RedisEndpoint, storeConfig: StoreLocation, log: Logger): WorkerPool {
  const launchConfig = (role: WorkerRole) => (slotId: string): WorkerLaunchConfig => ({
    slotId,
    role,
    queues: queuesFor(role, config),
    niceness: role === 'interactive' ? 0 : config.backgroundNiceness,
    redis: endpoint,
    store: storeConfig,
    cacheDir: paths.cacheDir,
    logsDir: paths.logsDir,
    recycleAfterJobs: config.recycleAfterJobs,
    memoryCeilingMb: config.workerMemoryCeilingMb,
    stageTimeoutMs: config.stageTimeoutMs,
    attempts: config.attempts,
    backoffBaseMs: config.backoffBaseMs,
    backoffCapMs: config.backoffCapMs,
  });
  return new WorkerPool(
    [
      { role: 'cpu', count: config.cpuWorkers, launchConfig: launchConfig('cpu') },
      { role: 'ml', count: config.mlWorkers, launchConfig: launchConfig('ml') },
      { role: 'interactive', count: config.interactiveWorker ? 1 : 0, launchConfig: launchConfig('interactive') },
    ],
    log,
  );
}

/** Warn when the bundled Redis has used this share of its maxmemory. */
const REDIS_MEMORY_WARN = 0.8;

/**
 * The engine: the bundled redis-server, the store, the lanes and the worker pool, started in order
 * and stopped in reverse. Plain Node: the CLI, `serve` and the Electron shell all run this same class.
 */
export class Engine {
  private memoryTimer: NodeJS.Timeout | null = null;
  private statusFlush: NodeJS.Timeout | null = null;
  private readonly pendingStatuses = new Map<string, WorkerStatus>();
  private stopped = false;
  /** Reports this machine's workers to Redis, beside those of `shoebox worker` machines. */
  private hostReporter: HostReporter | null = null;
  redisMemoryWarning: string | null = null;
  /** Pauses the bulk lanes while the machine is too hot, too busy or on battery (issue 18). */
  governor: ResourceGovernor | null = null;
  mlBoost: MlBoost | null = null;
  /** Ingests new and changed photos of the watched folders on their own (issue 18). */
  watcher: FolderWatcher | null = null;
  /** Samples throughput, queue depth and resource use into the store every minute (issue 18). */
  metrics: MetricsSampler | null = null;

  private constructor(
    readonly config: EngineConfig,
    readonly paths: LibraryPaths,
    readonly log: Logger,
    readonly store: Store,
    readonly lanes: Lanes,
    readonly pool: WorkerPool,
    readonly redis: RedisSupervisor | null,
    readonly endpoint: RedisEndpoint,
  ) {}

  static async start(config: EngineConfig, options: EngineStartOptions = {}): Promise<Engine> {
    const paths = libraryPaths(config.dataDir);
    fs.mkdirSync(paths.dataDir, { recursive: true, mode: 0o700 });
    const running = readRunningEngine(paths.engineFile);
    if (running) throw new EngineAlreadyRunning(`an engine is already running on ${paths.dataDir} (pid ${running.pid})`);
    const log = createFileLogger(paths.logsDir, 'engine', options.consoleLevel ?? 'warn');
    log.info(`engine starting on ${paths.dataDir}`);

    const storeConfig = storeLocation(config);
    const store = await openStore(storeConfig);
    // A library is bound to its store: remember a Postgres choice so that later commands on this
    // folder (status, inspect…) find the same store without repeating --store.
    const saved = readSavedSettings(config.dataDir);
    if ((saved.store ?? 'sqlite') !== storeSetting(config.store)) writeSavedSettings(config.dataDir, { ...saved, store: storeSetting(config.store) });
    let redis: RedisSupervisor | null = null;
    let endpoint: RedisEndpoint;
    try {
      if (config.redisUrl) {
        endpoint = endpointFromUrl(config.redisUrl);
        for (const warning of await guardSharedRedis(endpoint)) log.warn(warning);
      } else {
        redis = new RedisSupervisor({ redisDir: paths.redisDir, binary: config.redisServerBinary, maxMemoryMb: config.redisMaxMemoryMb, log });
        endpoint = await redis.start();
      }
    } catch (error) {
      await store.close();
      throw error;
    }
    writeEngineFile(paths.engineFile, { pid: process.pid, startedAt: new Date().toISOString(), redis: endpoint, http: null });
    let lanes: Lanes | null = null;
    let pool: WorkerPool | null = null;
    try {
      lanes = new Lanes(endpoint, config);
      pool = createWorkerPool(config, paths, endpoint, storeConfig, log);
      return await Engine.finishStart(config, paths, log, store, lanes, pool, redis, endpoint, options.sensors ?? systemSensors(), options);
    } catch (error) {
      // A start that fails half-way leaves nothing running: no worker, no redis-server, no engine file.
      log.error(`engine start failed: ${String(error)}`);
      pool?.kill();
      await lanes?.close().catch(() => undefined);
      await redis?.stop().catch(() => undefined);
      removeEngineFile(paths.engineFile);
      await store.close().catch(() => undefined);
      throw error;
    }
  }

  private static async finishStart(
    config: EngineConfig,
    paths: LibraryPaths,
    log: Logger,
    store: Store,
    lanes: Lanes,
    pool: WorkerPool,
    redis: RedisSupervisor | null,
    endpoint: RedisEndpoint,
    sensors: SensorSource,
    options: EngineStartOptions,
  ): Promise<Engine> {
    // A pause survives a restart: the store remembers it, Redis may have been emptied.
    const pauses = await store.engineState.listPauses();
    const pausedLanes: Lane[] = pauses.some((p) => p.scope === 'all') ? [...LANES] : pauses.map((p) => p.scope as Lane);
    await lanes.resume(LANES.filter((lane) => !pausedLanes.includes(lane)));
    await lanes.pause(pausedLanes);

    await store.engineState.clearWorkers();
    const engine = new Engine(config, paths, log, store, lanes, pool, redis, endpoint);
    try {
      pool.on('status', (status: WorkerStatus) => engine.queueStatus(status));
      redis?.on('restarted', () => log.warn('redis-server was restarted; its AOF was reloaded'));
      engine.hostReporter = new HostReporter(lanes.redis, pool, 'engine', log);
      // Workers on other machines compare their job-payload and model versions with these.
      await publishEngineVersions(lanes.redis, engine.hostReporter.versions);
      pool.start();
      engine.hostReporter.start();
      await pool.waitUntilReady(options.workersReadyTimeoutMs ?? 180_000);
      await engine.flushStatuses();
      await sweep(store, lanes, log);
      await scheduleMaintenance(lanes.queue('cpu', 'maintenance'), new MaintenanceRepo(store.sql));
      await resumeModelUpgrade(store.sql, lanes, { descriptor: config.runtime.descriptorModel, face: config.runtime.faceModel }, log);
      engine.governor = new ResourceGovernor(engine, config.governor, sensors, log, options.idle);
      engine.governor.start();
      if (config.mlBoost && config.mlWorkers > 0) {
        const governor = engine.governor;
        engine.mlBoost = new MlBoost((c) => lanes.bulkBacklog(c), pool, config.mlWorkers, () => governor.state.fewerWorkersFor !== null, log).start();
      }
      engine.watcher = new FolderWatcher(new WatchRepo(store.sql), (paths, signal) => engine.ingest(paths, { signal }), log, async (files) =>
        (await relinkMovedFiles(new MaintenanceRepo(store.sql), files)).remaining,
      );
      await engine.watcher.start();
      engine.metrics = new MetricsSampler(
        { repo: new MetricsRepo(store.sql), lanes, pool, governor: () => engine.governor?.state ?? null, log },
        options.metricsIntervalMs ?? config.metricsIntervalMs,
      );
      engine.metrics.start();
      engine.statusFlush = setInterval(() => void engine.flushStatuses(), 1000);
      engine.memoryTimer = setInterval(() => void engine.watchRedisMemory(), 10_000);
      log.info(
        `engine ready: ${config.cpuWorkers} cpu + ${config.mlWorkers} ml workers (niceness ${config.backgroundNiceness})${config.interactiveWorker ? ' + 1 interactive' : ''}, store ${store.kind}`,
      );
      return engine;
    } catch (error) {
      // What started before the failure must not keep the process alive (start() ends the rest).
      await engine.stopBackgroundWork().catch(() => undefined);
      throw error;
    }
  }

  /** Timers, the host reporter, governor, metrics sampler and folder watcher: whatever of them started. */
  private async stopBackgroundWork(): Promise<void> {
    if (this.memoryTimer) clearInterval(this.memoryTimer);
    if (this.statusFlush) clearInterval(this.statusFlush);
    this.hostReporter?.stop();
    await this.governor?.stop();
    await this.mlBoost?.stop();
    await this.metrics?.stop();
    await this.watcher?.stop();
  }

  ingest(roots: string[], options?: IngestOptions): Promise<IngestSummary> {
    return new IngestRunner(this.store, this.lanes, this.log).run(roots, options);
  }

  private queueStatus(status: WorkerStatus): void {
    this.pendingStatuses.set(status.id, status);
  }

  /** Worker states go to the store (throttled) so `shoebox status` and the UI read them anywhere. */
  private async flushStatuses(): Promise<void> {
    const statuses = [...this.pendingStatuses.values()];
    this.pendingStatuses.clear();
    for (const status of statuses) await this.store.engineState.upsertWorker(status).catch((e) => this.log.warn(`worker status: ${e}`));
  }

  private async watchRedisMemory(): Promise<void> {
    try {
      const info = await this.lanes.redis.info('memory');
      const used = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
      const max = Number(/maxmemory:(\d+)/.exec(info)?.[1] ?? 0);
      if (max > 0 && used / max >= REDIS_MEMORY_WARN) {
        const message = `Redis memory at ${Math.round((100 * used) / max)} % of its ${Math.round(max / 1048576)} MB limit`;
        if (this.redisMemoryWarning === null) this.log.warn(`${message}: raise SHOEBOX_REDIS_MAXMEMORY_MB or let the queues drain`);
        this.redisMemoryWarning = message;
      } else {
        this.redisMemoryWarning = null;
      }
    } catch {
      // Redis restarting: the supervisor reports it
    }
  }

  /**
   * Graceful stop, in reverse order of start: workers finish or hand back their jobs, queues close,
   * redis-server saves and exits, the store closes last.
   */
  async stop(options: { graceMs?: number; force?: boolean } = {}): Promise<void> {
    if (this.stopped) {
      // A second Ctrl-C while a graceful stop waits for the jobs in hand: end the workers now, and
      // still let redis-server save and exit, so the process that exits next leaves nothing behind.
      if (options.force) {
        this.pool.kill();
        await this.redis?.stop();
        removeEngineFile(this.paths.engineFile);
      }
      return;
    }
    this.stopped = true;
    await this.stopBackgroundWork();
    if (options.force) this.pool.kill();
    else await this.pool.stop(options.graceMs ?? this.config.shutdownGraceMs);
    await this.flushStatuses();
    await this.hostReporter?.report();
    await this.lanes.close();
    await this.redis?.stop();
    removeEngineFile(this.paths.engineFile);
    await this.store.close();
    this.log.info('engine stopped');
  }
}
