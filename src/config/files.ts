import { int, type Setting } from './parsers.ts';

/** Sizes of attachments and ticket imports, and the lifetime of download links. */
export const fileSettings = {
  attachmentMaxBytes: {
    env: 'ATTACHMENT_MAX_BYTES',
    description: 'Largest file accepted as an attachment (413 above).',
    parse: int(1024, 5 * 1024 * 1024 * 1024),
    default: '26214400',
  },
  ticketImportBatchSize: {
    env: 'TICKET_IMPORT_BATCH_SIZE',
    description:
      'Rows a ticket import writes per statement batch (and per transaction in skip_invalid mode).',
    parse: int(1, 10_000),
    default: '1000',
  },
  ticketImportMaxBytes: {
    env: 'TICKET_IMPORT_MAX_BYTES',
    description: 'Largest ticket import file the API accepts (413 above); the CLI reads any size.',
    parse: int(1024, 5 * 1024 * 1024 * 1024),
    default: '104857600',
  },
  ticketImportMaxRows: {
    env: 'TICKET_IMPORT_MAX_ROWS',
    description: 'Most rows one ticket import may hold (the file is refused above it).',
    parse: int(1, 100_000_000),
    default: '1000000',
  },
  downloadLinkSeconds: {
    env: 'DOWNLOAD_LINK_SECONDS',
    description: 'How long a signed download link stays valid.',
    parse: int(10, 7 * 24 * 3600),
    default: '300',
  },
} satisfies Record<string, Setting<unknown>>;
