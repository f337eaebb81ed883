import { useContext } from 'react';
import { MediaContext } from './media-context.js';

/** Builds the URL of a cached thumbnail/preview through the current transport. */
export function useMediaUrl(): (relPath: string) => string {
  return useContext(MediaContext);
}
