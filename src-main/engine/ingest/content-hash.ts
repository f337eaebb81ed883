export { hashFile } from '../../../src-core/files/content-hash.js';
