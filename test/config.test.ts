/**
 * The per-process settings (ML, sqlite-vec) go through one schema: defaults, accepted spellings, and a
 * bad value that names the variable and what it allows — in the parser, in the engine's config, and
 * at the start of a real CLI process and a real worker process.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, storeLocation } from '../src-core/config.js';
import { readRuntimeSettings } from '../src-core/runtime-settings.js';
import { runCli } from './helpers/cli.js';
import { repoRoot, tempDir } from './helpers/photos.js';

const rejects = (env: Record<string, string>, variable: string, allowed: RegExp) =>
  assert.throws(
    () => readRuntimeSettings(env),
    (e: unknown) => e instanceof ConfigError && e.message.includes(variable) && allowed.test(e.message),
  );

describe('runtime settings', () => {
  it('has defaults for every setting', () => {
    assert.deepEqual(readRuntimeSettings({}), {
      mlThreads: null,
      mlProvider: null,
      objectDetector: 'nanodet',
      objectRuntime: 'onnx',
      modelsDir: null,
      sqliteVec: true,
      sqliteVecPath: null,
      sqliteBinding: null,
      descriptorModel: null,
      faceModel: null,
      previewSize: 1200,
      ocrGate: 'confirm',
      embeddedPreview: true,
      nanodetSide: 416,
      ocrDetModel: 'fp32',
    });
  });

  it('reads each setting', () => {
    const s = readRuntimeSettings({
      SHOEBOX_ML_THREADS: '4',
      SHOEBOX_ML_PROVIDER: 'CUDA',
      SHOEBOX_OBJECT_DETECTOR: ' centernet ',
      SHOEBOX_OBJECT_RUNTIME: 'TFJS',
      SHOEBOX_MODELS_DIR: 'some/models',
      SHOEBOX_NO_SQLITE_VEC: '1',
      SHOEBOX_SQLITE_VEC_PATH: '/opt/shoebox/vec0.so',
      SHOEBOX_SQLITE_BINDING: '/opt/shoebox/better_sqlite3.node',
      SHOEBOX_DESCRIPTOR_MODEL: 'shoebox-global-v2',
      SHOEBOX_FACE_MODEL: 'face-feature-v2',
      SHOEBOX_PREVIEW_SIZE: '1600',
      SHOEBOX_OCR_GATE: '0',
      SHOEBOX_EMBEDDED_PREVIEW: 'no',
      SHOEBOX_NANODET_SIDE: '384',
      SHOEBOX_OCR_DET_MODEL: 'INT8',
    });
    assert.deepEqual(s, {
      mlThreads: 4,
      mlProvider: 'cuda',
      objectDetector: 'centernet',
      objectRuntime: 'tfjs',
      modelsDir: path.resolve('some/models'),
      sqliteVec: false,
      sqliteVecPath: '/opt/shoebox/vec0.so',
      sqliteBinding: '/opt/shoebox/better_sqlite3.node',
      descriptorModel: 'shoebox-global-v2',
      faceModel: 'face-feature-v2',
      previewSize: 1600,
      ocrGate: 'off',
      embeddedPreview: false,
      nanodetSide: 384,
      ocrDetModel: 'int8',
    });
    assert.equal(readRuntimeSettings({ SHOEBOX_NO_SQLITE_VEC: 'false' }).sqliteVec, true);
    assert.equal(readRuntimeSettings({ SHOEBOX_ML_THREADS: '' }).mlThreads, null);
  });

  it('rejects a bad value, naming the variable and the allowed values', () => {
    rejects({ SHOEBOX_ML_THREADS: 'abc' }, 'SHOEBOX_ML_THREADS=abc', /whole number from 1 to 16/);
    rejects({ SHOEBOX_DESCRIPTOR_MODEL: 'clip' }, 'SHOEBOX_DESCRIPTOR_MODEL=clip', /shoebox-global-v1, shoebox-global-v2/);
    rejects({ SHOEBOX_FACE_MODEL: 'arcface' }, 'SHOEBOX_FACE_MODEL=arcface', /face-feature-v1, face-feature-v2/);
    rejects({ SHOEBOX_EMBEDDED_PREVIEW: 'maybe' }, 'SHOEBOX_EMBEDDED_PREVIEW=maybe', /use 1 or 0/);
    rejects({ SHOEBOX_ML_THREADS: '0' }, 'SHOEBOX_ML_THREADS', /1 to 16/);
    rejects({ SHOEBOX_ML_THREADS: '2.5' }, 'SHOEBOX_ML_THREADS', /1 to 16/);
    rejects({ SHOEBOX_ML_THREADS: '17' }, 'SHOEBOX_ML_THREADS', /1 to 16/);
    rejects({ SHOEBOX_ML_PROVIDER: 'gpu' }, 'SHOEBOX_ML_PROVIDER=gpu', /cpu, cuda, tensorrt, dml, coreml, webgpu/);
    rejects({ SHOEBOX_OBJECT_DETECTOR: 'yolo' }, 'SHOEBOX_OBJECT_DETECTOR=yolo', /nanodet, centernet/);
    rejects({ SHOEBOX_OBJECT_RUNTIME: 'wasm' }, 'SHOEBOX_OBJECT_RUNTIME=wasm', /onnx, tfjs/);
    rejects({ SHOEBOX_NO_SQLITE_VEC: 'maybe' }, 'SHOEBOX_NO_SQLITE_VEC=maybe', /1 or 0/);
    rejects({ SHOEBOX_PREVIEW_SIZE: '100' }, 'SHOEBOX_PREVIEW_SIZE=100', /256 to 4096/);
    rejects({ SHOEBOX_NANODET_SIDE: '400' }, 'SHOEBOX_NANODET_SIDE=400', /multiple of 32 from 160 to 640/);
    rejects({ SHOEBOX_NANODET_SIDE: '704' }, 'SHOEBOX_NANODET_SIDE=704', /160 to 640/);
    rejects({ SHOEBOX_OCR_DET_MODEL: 'int4' }, 'SHOEBOX_OCR_DET_MODEL=int4', /fp32, int8/);
    rejects({ SHOEBOX_OCR_GATE: 'sometimes' }, 'SHOEBOX_OCR_GATE=sometimes', /1 or 0.*off, cells, confirm/);
    assert.equal(readRuntimeSettings({ SHOEBOX_OCR_GATE: 'Cells' }).ocrGate, 'cells');
    assert.equal(readRuntimeSettings({ SHOEBOX_OCR_GATE: 'yes' }).ocrGate, 'confirm', '"on" is the default gate');
  });

  it('are part of the engine config, so a bad one stops the engine at start', () => {
    const { dir, cleanup } = tempDir('shoebox-config-');
    try {
      assert.equal(loadConfig({ data: dir }, { SHOEBOX_ML_THREADS: '3' }).runtime.mlThreads, 3);
      assert.throws(
        () => loadConfig({ data: dir }, { SHOEBOX_ML_THREADS: 'abc' }),
        (e: unknown) => e instanceof ConfigError && /SHOEBOX_ML_THREADS=abc/.test(e.message),
      );
      // Engine settings name their variable too.
      assert.throws(
        () => loadConfig({ data: dir }, { SHOEBOX_BACKGROUND_NICENESS: '25' }),
        (e: unknown) => e instanceof ConfigError && /SHOEBOX_BACKGROUND_NICENESS/.test(e.message),
      );
    } finally {
      cleanup();
    }
  });

  it('gives one store location for both stores', () => {
    assert.deepEqual(storeLocation({ dataDir: '/lib', store: { kind: 'sqlite' } }), { kind: 'sqlite', sqlitePath: path.join('/lib', 'library.sqlite') });
    assert.deepEqual(storeLocation({ dataDir: '/lib', store: { kind: 'postgres', url: 'postgres://h/db', schema: 'lib2' } }), {
      kind: 'postgres',
      postgresUrl: 'postgres://h/db',
      postgresSchema: 'lib2',
    });
  });

  it('a CLI command stops at start with exit code 2 and names the variable', async () => {
    const { dir, cleanup } = tempDir('shoebox-config-cli-');
    try {
      const result = await runCli(['status', '--data', dir], { SHOEBOX_ML_PROVIDER: 'gpu' });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /SHOEBOX_ML_PROVIDER=gpu is not allowed: use one of cpu, cuda/);
    } finally {
      cleanup();
    }
  });

  it('a worker process stops at start and names the variable', async () => {
    const { dir, cleanup } = tempDir('shoebox-config-worker-');
    try {
      const launch = {
        slotId: 'cpu-0',
        role: 'cpu',
        queues: [{ workerClass: 'cpu', lane: 'default', concurrency: 1 }],
        niceness: 0,
        redis: { kind: 'socket', path: path.join(dir, 'no-redis.sock'), password: null },
        store: { kind: 'sqlite', sqlitePath: path.join(dir, 'library.sqlite') },
        cacheDir: path.join(dir, 'cache'),
        logsDir: path.join(dir, 'logs'),
        recycleAfterJobs: 10,
        memoryCeilingMb: 512,
        stageTimeoutMs: 10_000,
        attempts: 1,
        backoffBaseMs: 100,
        backoffCapMs: 1000,
      };
      const worker = spawn(process.execPath, [path.join(repoRoot, 'dist', 'src-worker', 'main.js')], {
        env: { ...process.env, SHOEBOX_WORKER_CONFIG: JSON.stringify(launch), SHOEBOX_ML_THREADS: 'abc' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      worker.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => worker.on('close', resolve));
      assert.equal(code, 1);
      assert.match(stderr, /worker failed to start: ConfigError: SHOEBOX_ML_THREADS=abc is not allowed: use a whole number from 1 to 16/);
    } finally {
      cleanup();
    }
  });
});
