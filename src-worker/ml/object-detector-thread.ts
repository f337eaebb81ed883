/**
 * The object detector in its own `worker_threads` thread. Why: onnxruntime-node's `session.run`
 * computes synchronously on the JS thread that calls it (measured: a 1 ms timer does not fire during
 * a run), so faces, OCR and objects in one thread can only run one after the other. With objects in
 * this thread the detect stage overlaps them with OCR + faces on the main thread: ≈ max(ocr + faces,
 * objects) instead of the sum.
 *
 * The thread (object-detector-thread-entry.ts) loads the model with `ObjectDetector.load()` and
 * runs `ObjectDetector.detect()`: all of the preprocessing stays there. The image travels as a
 * transferred copy of its RGB bytes. The thread is unref'd while idle, so it never keeps the process
 * alive on its own; if it dies, the calls in flight reject and the next call starts a fresh one.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SHARE_ENV, Worker } from 'node:worker_threads';
import { ERROR_CODES, ShoeboxError, type ErrorCode } from '../../src-shared/errors.js';
import type { RgbImage } from './image.js';
import type { DetectedObject, ObjectDetectorKind } from './objects.js';

/** An error crossing the thread boundary; `code` is set when it was a ShoeboxError. */
export interface ThreadError {
  code: ErrorCode | null;
  name: string;
  message: string;
}

/** Main → thread. */
export type ToDetectorThread = { type: 'detect'; id: number; width: number; height: number; data: ArrayBuffer };

/** Thread → main. `doneAt` is epoch ms (`performance.timeOrigin + performance.now()`) when the answer left. */
export type FromDetectorThread =
  | { type: 'ready'; kind: ObjectDetectorKind; threshold: number }
  | { type: 'load-failed'; error: ThreadError }
  | { type: 'result'; id: number; objects: DetectedObject[]; doneAt: number }
  | { type: 'error'; id: number; error: ThreadError };

export function toThreadError(e: unknown): ThreadError {
  if (e instanceof ShoeboxError) return { code: e.code, name: e.name, message: e.message };
  return { code: null, name: e instanceof Error ? e.name : 'Error', message: e instanceof Error ? e.message : String(e) };
}

/**
 * Back to an Error on this side: a ShoeboxError keeps its code; any other stays a plain Error with
 * its name and message (so the stage runner classifies it as it would have in-thread).
 */
function fromThreadError(e: ThreadError): Error {
  if (e.code && (ERROR_CODES as readonly string[]).includes(e.code)) return new ShoeboxError(e.code, e.message);
  const error = new Error(e.message);
  error.name = e.name;
  return error;
}

/**
 * The thread's Worker: the compiled entry next to this module when running from dist/; under tsx
 * (TypeScript source, as worker-pool.ts `workerEntry()` allows) a bootstrap that registers tsx in the
 * thread first, since Node 20 does not pass `--import` loaders on to worker threads.
 */
function startWorker(): Worker {
  const source = fileURLToPath(import.meta.url).endsWith('.ts');
  const entry = new URL(`./object-detector-thread-entry${source ? '.ts' : '.js'}`, import.meta.url);
  if (!existsSync(entry)) throw new ShoeboxError('model-missing', `object detector thread entry not found at ${fileURLToPath(entry)}; run "npm run build"`);
  if (!source) return new Worker(entry, { env: SHARE_ENV });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, env: SHARE_ENV });
}

interface Pending {
  resolve: (answer: { objects: DetectedObject[]; ms: number }) => void;
  reject: (error: Error) => void;
  /** Epoch ms when the request was posted. */
  sentAt: number;
}

interface Ready {
  kind: ObjectDetectorKind;
  threshold: number;
}

const now = (): number => performance.timeOrigin + performance.now();

/** One live thread: its Worker, the model it loaded, the calls awaiting an answer. */
class DetectorThread {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private dead: ShoeboxError | null = null;

  private constructor(
    private readonly worker: Worker,
    readonly info: Ready,
  ) {}

  /** Starts a thread and resolves once its model is loaded (rejects with the load's error). */
  static start(): Promise<DetectorThread> {
    return new Promise((resolve, reject) => {
      let worker: Worker;
      try {
        worker = startWorker();
      } catch (e) {
        reject(e instanceof ShoeboxError ? e : new ShoeboxError('model-missing', toThreadError(e).message));
        return;
      }
      let thread: DetectorThread | null = null;
      worker.on('message', (m: FromDetectorThread) => {
        if (thread) return thread.onMessage(m);
        if (m.type === 'ready') {
          thread = new DetectorThread(worker, { kind: m.kind, threshold: m.threshold });
          worker.unref(); // idle: the process may exit without it
          resolve(thread);
        } else if (m.type === 'load-failed') {
          void worker.terminate();
          reject(fromThreadError(m.error)); // the Loader turns a plain Error into 'model-missing'
        }
      });
      worker.on('error', (e) => {
        if (thread) thread.fail(`the object detector thread failed: ${e.message}`);
        else reject(new ShoeboxError('model-missing', `the object detector thread failed while loading: ${e.message}`));
      });
      worker.on('exit', (code) => {
        if (thread) thread.fail(`the object detector thread stopped (exit code ${code})`);
        else reject(new ShoeboxError('model-missing', `the object detector thread stopped while loading (exit code ${code})`));
      });
    });
  }

  get alive(): boolean {
    return this.dead === null;
  }

  detect(img: RgbImage): Promise<{ objects: DetectedObject[]; ms: number }> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    // A fresh ArrayBuffer holding just this image's bytes (a Buffer may be a slice of a shared pool).
    const data = img.data.buffer.slice(img.data.byteOffset, img.data.byteOffset + img.data.byteLength) as ArrayBuffer;
    const message: ToDetectorThread = { type: 'detect', id, width: img.width, height: img.height, data };
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref(); // busy: keep the process alive until the answer
      this.pending.set(id, { resolve, reject, sentAt: now() });
      this.worker.postMessage(message, [data]);
    });
  }

  private onMessage(m: FromDetectorThread): void {
    if (m.type !== 'result' && m.type !== 'error') return;
    const call = this.pending.get(m.id);
    if (!call) return;
    this.settled(m.id);
    if (m.type === 'result') {
      // The thread's own clock: the main thread may only see the answer after OCR lets go of it.
      const observed = now() - call.sentAt;
      call.resolve({ objects: m.objects, ms: Math.round(Math.min(observed, Math.max(0, m.doneAt - call.sentAt))) });
    } else call.reject(fromThreadError(m.error));
  }

  private settled(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0 && this.alive) this.worker.unref();
  }

  /** Marks the thread dead and rejects every call in flight. */
  fail(message: string): void {
    this.dead ??= new ShoeboxError('worker-crashed', message);
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const c of calls) c.reject(this.dead);
  }

  async close(): Promise<void> {
    this.fail('the object detector thread was closed');
    await this.worker.terminate();
  }
}

/** Same surface as ObjectDetector (kind, threshold, detect), backed by a thread. */
export class ObjectDetectorThread {
  private live: DetectorThread;
  private starting: Promise<DetectorThread> | null = null;
  private closed = false;

  private constructor(first: DetectorThread) {
    this.live = first;
    this.kind = first.info.kind;
    this.threshold = first.info.threshold;
  }

  readonly kind: ObjectDetectorKind;
  readonly threshold: number;

  /** Starts the thread; rejects with the thread's load error (a ShoeboxError, 'model-missing' for missing files). */
  static async load(): Promise<ObjectDetectorThread> {
    return new ObjectDetectorThread(await DetectorThread.start());
  }

  async detect(img: RgbImage): Promise<DetectedObject[]> {
    return (await this.detectTimed(img)).objects;
  }

  /** Objects, and the wall time in ms from the request to the thread's answer. */
  async detectTimed(img: RgbImage): Promise<{ objects: DetectedObject[]; ms: number }> {
    return (await this.thread()).detect(img);
  }

  /** Stops the thread; later calls reject. */
  async close(): Promise<void> {
    this.closed = true;
    const restarting = this.starting?.catch(() => null);
    await this.live.close();
    await (await restarting)?.close();
  }

  /** The live thread, or a fresh one when the last one died (a failed start rejects this call only). */
  private async thread(): Promise<DetectorThread> {
    if (this.closed) throw new ShoeboxError('internal', 'the object detector thread was closed');
    if (this.live.alive) return this.live;
    this.starting ??= DetectorThread.start().finally(() => {
      this.starting = null;
    });
    const fresh = await this.starting;
    if (this.closed) {
      await fresh.close();
      throw new ShoeboxError('internal', 'the object detector thread was closed');
    }
    this.live = fresh;
    return fresh;
  }
}
