import type { Readable } from 'node:stream';
import type { Actor, RequestContext } from '../../platform/auth/actor.ts';
import type { Database } from '../../platform/db/client.ts';
import {
  generateFileKey,
  signDownload,
  sniffUploadStream,
  verifyDownload,
  type FileStorage,
} from '../../platform/files/index.ts';
import type { AuditService } from '../audit/index.ts';
import { ticketErrors } from './tickets.errors.ts';
import { canManage, canWork } from './tickets.policy.ts';
import * as repository from './tickets.repository.ts';
import type { TicketsService } from './tickets.service.ts';
import type { TicketAttachment } from './tickets.tables.ts';

export interface AttachmentSettings {
  storage: FileStorage;
  /** Signs download links (Config.secretKey, or a per-process key in development). */
  secret: string;
  maxBytes: number;
  linkSeconds: number;
}

/**
 * Attachments: the bytes go to FileStorage after their type is sniffed from the
 * content (an allowlist; a `.png` that is really HTML is refused), the metadata to
 * PostgreSQL. Downloads go through short-lived signed links, so a link handed to a
 * browser or an e-mail cannot be reused for long.
 */
export function createTicketAttachmentsService(deps: {
  db: Database;
  audit: Pick<AuditService, 'record'>;
  tickets: Pick<TicketsService, 'visible'>;
  settings: AttachmentSettings;
}) {
  const { db, audit, tickets, settings } = deps;

  return {
    async list(actor: Actor, ticketId: number): Promise<TicketAttachment[]> {
      await tickets.visible(actor, ticketId);
      return repository.attachmentsOf(db, ticketId);
    },

    async add(
      ctx: RequestContext,
      ticketId: number,
      upload: {
        filename: string;
        /** The file's bytes; fails with FILE_TOO_LARGE past the upload limit (`receiveFile`). */
        stream: Readable;
      },
    ): Promise<TicketAttachment> {
      const ticket = await tickets.visible(ctx.actor, ticketId);
      if (!canWork(ctx.actor, ticket) && ticket.reporterId !== ctx.actor.userId)
        throw ticketErrors.TICKET_FORBIDDEN();
      const sniffed = await sniffUploadStream(upload.stream, upload.filename);
      const key = generateFileKey('tickets');
      const stored = await settings.storage.put(key, sniffed.stream, { maxBytes: settings.maxBytes });
      try {
        return await db.transaction(async (tx) => {
          const attachment = await repository.insertAttachment(tx, {
            ticketId,
            uploaderId: ctx.actor.userId,
            filename: upload.filename.slice(0, 255),
            contentType: sniffed.mime,
            size: stored.size,
            sha256: stored.sha256,
            storageKey: key,
          });
          await audit.record(tx, ctx, {
            action: 'ticket.attachment_added',
            resourceType: 'ticket',
            resourceId: ticketId,
            after: attachment,
          });
          return attachment;
        });
      } catch (error) {
        await settings.storage.delete(key);
        throw error;
      }
    },

    /** A signed, short-lived download link for an attachment the actor can see. */
    async link(
      actor: Actor,
      ticketId: number,
      attachmentId: number,
    ): Promise<{ token: string; expiresAt: Date }> {
      await tickets.visible(actor, ticketId);
      const attachment = await repository.attachmentById(db, ticketId, attachmentId);
      if (!attachment) throw ticketErrors.TICKET_ATTACHMENT_NOT_FOUND();
      return signDownload({
        key: attachment.storageKey,
        filename: attachment.filename,
        expiresInSeconds: settings.linkSeconds,
        secret: settings.secret,
      });
    },

    /** The bytes behind a download token (the token is the authorisation). */
    async open(token: string): Promise<{ attachment: TicketAttachment; stream: Readable }> {
      const { key } = verifyDownload(token, settings.secret);
      const attachment = await repository.attachmentByStorageKey(db, key);
      if (!attachment) throw ticketErrors.TICKET_ATTACHMENT_NOT_FOUND();
      return { attachment, stream: await settings.storage.get(key) };
    },

    async remove(ctx: RequestContext, ticketId: number, attachmentId: number): Promise<void> {
      const ticket = await tickets.visible(ctx.actor, ticketId);
      const attachment = await repository.attachmentById(db, ticketId, attachmentId);
      if (!attachment) throw ticketErrors.TICKET_ATTACHMENT_NOT_FOUND();
      if (attachment.uploaderId !== ctx.actor.userId && !canManage(ctx.actor, ticket))
        throw ticketErrors.TICKET_FORBIDDEN();
      await db.transaction(async (tx) => {
        await repository.deleteAttachment(tx, attachmentId);
        await audit.record(tx, ctx, {
          action: 'ticket.attachment_deleted',
          resourceType: 'ticket',
          resourceId: ticketId,
          before: attachment,
        });
      });
      await settings.storage.delete(attachment.storageKey);
    },
  };
}

export type TicketAttachmentsService = ReturnType<typeof createTicketAttachmentsService>;
