/** The rotation correction call of the API (issue 17, src-shared/api/rotation-contract.ts). */
import { ApiError } from '../../../src-shared/api/contract.js';
import type { ROTATION_API } from '../../../src-shared/api/rotation-contract.js';
import { libraryPaths } from '../../../src-core/paths.js';
import { rotatePhoto } from '../../../src-core/rotation/rotate-photo.js';
import type { Handlers } from './dispatch.js';
import type { BackgroundIngests, HandlerEngine } from './handlers.js';

type RotationHandlers = Pick<Handlers, keyof typeof ROTATION_API>;

export function rotationHandlers(engine: HandlerEngine, ingests: Pick<BackgroundIngests, 'start'>): RotationHandlers {
  const cacheDir = libraryPaths(engine.config.dataDir).cacheDir;
  return {
    'photos.rotate': async ({ photoId, direction }) => {
      const photo = await engine.store.photos.get(photoId);
      if (!photo) throw new ApiError('not-found', `no photo "${photoId}" in the library`);
      const outcome = await rotatePhoto(engine.store, cacheDir, photo, direction);
      // Quick re-analysis after a correction: the photo alone, on high_priority, from preprocess on
      // (new turned derivatives, then faces, objects, text, descriptor, quality, people and groups).
      ingests.start([photo.path], { lane: 'high_priority', force: true });
      return {
        photoId: outcome.photoId,
        rotation: outcome.rotation,
        orientation: outcome.orientation,
        sidecarPath: outcome.sidecar.path,
        sidecarError: outcome.sidecar.error,
      };
    },
  };
}
