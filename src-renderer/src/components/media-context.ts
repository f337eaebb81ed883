import { createContext } from 'react';

export const MediaContext = createContext<(relPath: string) => string>((relPath) => `media/${relPath}`);
