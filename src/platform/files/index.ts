import path from 'node:path';
import type { Config } from '../../config.ts';
import { createLocalStorage } from './local-storage.ts';
import type { FileStorage } from './storage.ts';

export { fileErrors } from './errors.ts';
export { createLocalStorage } from './local-storage.ts';
export {
  contentDisposition,
  MAX_LINK_SECONDS,
  signDownload,
  verifyDownload,
  type SignDownloadInput,
} from './signed-url.ts';
export {
  ALLOWED_EXTENSIONS,
  SNIFF_BYTES,
  sniffUpload,
  sniffUploadStream,
  type SniffedType,
} from './sniff.ts';
export {
  assertValidKey,
  generateFileKey,
  type FileStorage,
  type PutOptions,
  type StoredFile,
} from './storage.ts';

/** The deployment's file storage: the local disk under `DATA_DIR/files` (an S3 driver would be chosen here). */
export function createFileStorage(config: Pick<Config, 'dataDir'>): FileStorage {
  return createLocalStorage(path.join(config.dataDir, 'files'));
}
