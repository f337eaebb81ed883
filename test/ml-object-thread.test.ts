import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { ShoeboxError } from '../src-shared/errors.js';
import { loadRgb, resizeRgb, type RgbImage } from '../src-worker/ml/image.js';
import { ObjectDetectorThread } from '../src-worker/ml/object-detector-thread.js';
import { ObjectDetector, type DetectedObject } from '../src-worker/ml/objects.js';
import { hasPhotos, needsSharedPhotos, photo } from './helpers/photos.js';

const FILES = ['jpg/Nikon_COOLPIX_P1.jpg', 'jpg/exif-org/olympus-c960.jpg', 'jpg/gps/DSCN0025.jpg'];

async function preview(file: string): Promise<RgbImage> {
  const img = await loadRgb(photo(file));
  return Math.max(img.width, img.height) > 1600 ? resizeRgb(img, 1600, 1600, 'inside') : img;
}

/** The thread's live Worker, to kill it as a crash would. */
function liveWorker(detector: ObjectDetectorThread): Worker {
  return (detector as unknown as { live: { worker: Worker } }).live.worker;
}

describe('the object detector thread (objects overlap faces and OCR)', { skip: needsSharedPhotos }, () => {
  let images: RgbImage[];
  let expected: DetectedObject[][];
  let detector: ObjectDetectorThread;
  before(async () => {
    images = await Promise.all(FILES.map(preview));
    const inProcess = await ObjectDetector.load();
    expected = [];
    for (const img of images) expected.push(await inProcess.detect(img));
    detector = await ObjectDetectorThread.load();
  });
  after(() => detector?.close());

  it('finds exactly what the in-process detector finds, with several calls in flight at once', async () => {
    assert.ok(expected.some((objects) => objects.length > 0), 'the photos have objects to find');
    const answers = await Promise.all(images.map((img) => detector.detectTimed(img)));
    answers.forEach((answer, i) => {
      assert.deepEqual(answer.objects, expected[i], FILES[i]);
      assert.ok(answer.ms > 0);
    });
    assert.ok(images[0]!.data.byteLength > 0, 'the caller keeps its image (a copy is transferred)');
  });

  it('a bad image fails its own call only', async () => {
    const bad: RgbImage = { data: Buffer.alloc(10), width: 100, height: 100 };
    const [failed, fine] = await Promise.allSettled([detector.detect(bad), detector.detect(images[0]!)]);
    assert.equal(failed.status, 'rejected');
    assert.deepEqual(fine.status === 'fulfilled' ? fine.value : null, expected[0]);
  });

  it('a thread that dies rejects the calls in flight with a reason, and the next call starts a fresh one', async () => {
    const inFlight = detector.detect(images[1]!);
    await liveWorker(detector).terminate();
    await assert.rejects(inFlight, (e: unknown) => e instanceof ShoeboxError && e.code === 'worker-crashed' && /object detector thread stopped/.test(e.message));
    assert.deepEqual(await detector.detect(images[1]!), expected[1]);
  });

  it('a detector that cannot load says which, as model-missing', async () => {
    process.env.SHOEBOX_OBJECT_DETECTOR = 'yolo';
    try {
      await assert.rejects(ObjectDetectorThread.load(), (e: unknown) => e instanceof ShoeboxError && e.code === 'model-missing' && /yolo/.test(e.message));
    } finally {
      delete process.env.SHOEBOX_OBJECT_DETECTOR;
    }
  });
});
