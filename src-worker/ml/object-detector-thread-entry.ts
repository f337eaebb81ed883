/**
 * Entry of the object detector thread (object-detector-thread.ts says why it exists): loads
 * `ObjectDetector` once, says 'ready' (or 'load-failed', then ends), then answers each 'detect' by its id.
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import { ObjectDetector } from './objects.js';
import { toThreadError, type FromDetectorThread, type ToDetectorThread } from './object-detector-thread.js';

function serve(port: MessagePort, detector: ObjectDetector): void {
  port.on('message', (m: ToDetectorThread) => {
    if (m.type !== 'detect') return;
    detector.detect({ data: Buffer.from(m.data), width: m.width, height: m.height }).then(
      (objects) => send(port, { type: 'result', id: m.id, objects, doneAt: performance.timeOrigin + performance.now() }),
      (e: unknown) => send(port, { type: 'error', id: m.id, error: toThreadError(e) }),
    );
  });
}

function send(port: MessagePort, m: FromDetectorThread): void {
  port.postMessage(m);
}

const port = parentPort;
if (!port) throw new Error('object-detector-thread-entry runs only as a worker thread');
try {
  const detector = await ObjectDetector.load();
  send(port, { type: 'ready', kind: detector.kind, threshold: detector.threshold });
  serve(port, detector);
} catch (e) {
  // Nothing listens on the port after this: the thread ends once the message is out.
  send(port, { type: 'load-failed', error: toThreadError(e) });
}
