/**
 * Rotation corrections from the renderer (issue 17): one call, bound to the API client once at start-up.
 * The photo's progress events then bring the rebuilt thumbnail to the grid and the detail (store.ts).
 */
import type { ApiClient } from '../../../src-shared/api/client.js';
import type { RotationOutcomeDto } from '../../../src-shared/api/rotation-contract.js';
import type { RotateDirection } from '../../../src-shared/orientation.js';

let client: ApiClient | null = null;

/** Called once in main.tsx with the app's client. */
export function bindRotation(api: ApiClient): void {
  client = api;
}

export async function rotatePhoto(photoId: string, direction: RotateDirection): Promise<RotationOutcomeDto> {
  if (!client) throw new Error('not connected to the engine');
  return client['photos.rotate']({ photoId, direction });
}

/** What the toast says once the engine took the correction. */
export function rotatedText(direction: RotateDirection, outcome: RotationOutcomeDto): string {
  const turned = direction === '180' ? 'Turned 180°' : `Turned ${direction}`;
  const sidecar = outcome.sidecarError ? ` (sidecar not written: ${outcome.sidecarError})` : '';
  return `${turned}: analysing again on the high-priority lane${sidecar}`;
}
