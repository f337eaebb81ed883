export { mulberry32 } from '../../src-shared/prng.js';
