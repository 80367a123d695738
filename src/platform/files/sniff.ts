import { Readable } from 'node:stream';
import { fileTypeFromBuffer } from 'file-type';
import { fileErrors } from './errors.ts';

/** How many leading bytes decide a file's type (file-type's `reasonableDetectionSizeInBytes`). */
export const SNIFF_BYTES = 4100;

/** The type an upload was found to be: what to store, serve as Content-Type, and name it by. */
export interface SniffedType {
  mime: string;
  /** Lowercase, without the dot: the declared extension when it fits, else the type's usual one. */
  extension: string;
}

/** Types recognised by their magic bytes, keyed by file-type's `ext`; the first extension is the usual one. */
const BINARY = new Map<string, { mime: string; extensions: readonly string[] }>([
  ['png', { mime: 'image/png', extensions: ['png'] }],
  ['jpg', { mime: 'image/jpeg', extensions: ['jpg', 'jpeg'] }],
  ['gif', { mime: 'image/gif', extensions: ['gif'] }],
  ['webp', { mime: 'image/webp', extensions: ['webp'] }],
  ['pdf', { mime: 'application/pdf', extensions: ['pdf'] }],
  [
    'docx',
    { mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', extensions: ['docx'] },
  ],
  [
    'xlsx',
    { mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', extensions: ['xlsx'] },
  ],
  [
    'pptx',
    {
      mime: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
      extensions: ['pptx'],
    },
  ],
  ['zip', { mime: 'application/zip', extensions: ['zip'] }],
  ['mp4', { mime: 'video/mp4', extensions: ['mp4'] }],
  ['mov', { mime: 'video/quicktime', extensions: ['mov', 'qt'] }],
]);

/** Text has no magic: it is accepted by its declared extension once the bytes prove to be text. */
const TEXT = new Map([
  ['txt', 'text/plain; charset=utf-8'],
  ['log', 'text/plain; charset=utf-8'],
  ['md', 'text/markdown; charset=utf-8'],
  ['csv', 'text/csv; charset=utf-8'],
  ['json', 'application/json'],
]);

const OFFICE = new Set(['docx', 'xlsx', 'pptx']);

/** Every extension an attachment may have, for messages and upload forms. */
export const ALLOWED_EXTENSIONS: readonly string[] = [
  ...[...BINARY.values()].flatMap((type) => type.extensions),
  ...TEXT.keys(),
];

/**
 * Starts that make a browser treat bytes as markup: the WHATWG MIME Sniffing "HTML"
 * patterns plus SVG and XML. Checked after a BOM and leading whitespace, as browsers do.
 */
const MARKUP: [RegExp, string][] = [
  [
    /^<(?:!doctype html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|!--)[\s>/]/i,
    'text/html',
  ],
  [/^<svg[\s>/]/i, 'image/svg+xml'],
  [/^<\?xml[\s?]/i, 'application/xml'],
];

type Content = { kind: 'binary'; ext: string; mime: string } | { kind: 'text' | 'other'; mime: string };

async function identify(head: Buffer): Promise<Content> {
  // A structure cut off at SNIFF_BYTES or malformed can make file-type throw: no detection, not a crash.
  const found = await fileTypeFromBuffer(head).catch(() => undefined);
  if (found) return { kind: 'binary', ext: found.ext, mime: found.mime };
  // 1445 bytes: how far browsers look (WHATWG MIME Sniffing, "resource header").
  const start = head
    .subarray(0, 1445)
    .toString('latin1')
    .replace(/^\xef\xbb\xbf/, '');
  if (start.startsWith('#!')) return { kind: 'other', mime: 'text/x-script' };
  const markup = MARKUP.find(([pattern]) => pattern.test(start.trimStart()));
  if (markup) return { kind: 'other', mime: markup[1] };
  return isUtf8Text(head)
    ? { kind: 'text', mime: 'text/plain' }
    : { kind: 'other', mime: 'application/octet-stream' };
}

function isUtf8Text(bytes: Buffer): boolean {
  if (bytes.includes(0)) return false;
  try {
    // `stream: true` lets the sample end inside a multi-byte character.
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}

function accepted(content: Content, declared: string): SniffedType | undefined {
  if (content.kind === 'text') {
    const mime = TEXT.get(declared);
    return mime ? { mime, extension: declared } : undefined;
  }
  if (content.kind !== 'binary') return undefined;
  const type = BINARY.get(content.ext);
  if (!type) return undefined;
  if (!declared) return { mime: type.mime, extension: type.extensions[0] ?? content.ext };
  if (type.extensions.includes(declared)) return { mime: type.mime, extension: declared };
  // An Office file whose [Content_Types].xml lies beyond the sample sniffs as a plain zip.
  if (content.ext === 'zip' && OFFICE.has(declared))
    return { mime: BINARY.get(declared)?.mime ?? type.mime, extension: declared };
  return undefined;
}

const extensionOf = (name: string): string => {
  const base = name.split(/[/\\]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
};

/**
 * Decides an upload's type from its first bytes (at least SNIFF_BYTES of them when the
 * file is that long) and the name the client gave it. Accepts only the attachment
 * allowlist (images, PDF, Office, zip, mp4/mov by magic bytes; txt/log/md/csv/json when
 * the bytes are UTF-8 without NUL and do not start as markup or a script). Throws
 * FILE_TYPE_MISMATCH (415) when the name claims an accepted type the bytes are not, or
 * the bytes are an accepted type the name contradicts; FILE_TYPE_NOT_ALLOWED (415)
 * otherwise. A name without an extension takes the sniffed type (binary types only).
 */
export async function sniffUpload(firstChunk: Buffer, declaredName: string): Promise<SniffedType> {
  const declared = extensionOf(declaredName);
  const content = await identify(firstChunk.subarray(0, SNIFF_BYTES));
  const type = accepted(content, declared);
  if (type) return type;
  const contentAllowed = content.kind === 'binary' && BINARY.has(content.ext);
  if (declared && (ALLOWED_EXTENSIONS.includes(declared) || contentAllowed))
    throw fileErrors.typeMismatch(declared, content.mime);
  throw fileErrors.typeNotAllowed(content.mime, ALLOWED_EXTENSIONS);
}

/**
 * Reads the first SNIFF_BYTES of `source`, sniffs them with `sniffUpload`, and returns
 * the type with a stream that yields every byte of the upload, the peeked ones first,
 * ready for `FileStorage.put`. On refusal the source is destroyed and the error thrown.
 */
export async function sniffUploadStream(
  source: Readable,
  declaredName: string,
): Promise<SniffedType & { stream: Readable }> {
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const head: Buffer[] = [];
  let length = 0;
  let ended = false;
  try {
    while (length < SNIFF_BYTES) {
      const next = await chunks.next();
      if (next.done) {
        ended = true;
        break;
      }
      const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      head.push(chunk);
      length += chunk.length;
    }
    const first = Buffer.concat(head);
    const type = await sniffUpload(first, declaredName);
    const rest: AsyncIterable<Buffer | string> = { [Symbol.asyncIterator]: () => chunks };
    async function* all(): AsyncGenerator<Buffer | string> {
      if (first.length > 0) yield first;
      // for-await returns (destroys) the source when the consumer stops early.
      if (!ended) yield* rest;
    }
    return { ...type, stream: Readable.from(all(), { objectMode: false }) };
  } catch (error) {
    await chunks.return?.();
    throw error;
  }
}
