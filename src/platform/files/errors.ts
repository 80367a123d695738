import { defineErrors, type AppError } from '../http/errors.ts';

const codes = defineErrors({
  FILE_TOO_LARGE: ['invalid', 'The file is too large.'],
  FILE_NOT_FOUND: ['not_found', 'File not found.'],
  FILE_TYPE_NOT_ALLOWED: ['invalid', 'This type of file is not accepted.'],
  FILE_TYPE_MISMATCH: ['invalid', 'The file name does not match its content.'],
  FILE_LINK_INVALID: ['forbidden', 'This download link is not valid.'],
  FILE_LINK_EXPIRED: ['invalid', 'This download link has expired; request a new one.'],
});

/**
 * The FILE_* errors. Each factory fixes the status the error handler sends where the
 * kind's default would be wrong (413, 415, 410), so callers cannot forget it.
 */
export const fileErrors = {
  tooLarge: (maxBytes: number): AppError =>
    codes.FILE_TOO_LARGE({
      message: `The file is larger than the ${formatBytes(maxBytes)} allowed.`,
      extra: { status: 413, max_bytes: maxBytes },
    }),
  notFound: (): AppError => codes.FILE_NOT_FOUND(),
  typeNotAllowed: (detected: string, allowed: readonly string[]): AppError =>
    codes.FILE_TYPE_NOT_ALLOWED({
      message: `Files of this type (${detected}) are not accepted. Accepted: ${allowed.join(', ')}.`,
      extra: { status: 415, detected_type: detected, allowed_extensions: allowed },
    }),
  typeMismatch: (declaredExtension: string, detected: string): AppError =>
    codes.FILE_TYPE_MISMATCH({
      message: `The file is named .${declaredExtension} but its content is ${detected}.`,
      extra: { status: 415, declared_extension: declaredExtension, detected_type: detected },
    }),
  linkInvalid: (): AppError => codes.FILE_LINK_INVALID(),
  linkExpired: (): AppError => codes.FILE_LINK_EXPIRED({ extra: { status: 410 } }),
};

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${+(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} bytes`;
}
