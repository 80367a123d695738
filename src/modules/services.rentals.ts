import { createFileStorage } from '../platform/files/index.ts';
import { AppError } from '../platform/http/errors.ts';
import { createCardProvider, manualProvider } from '../platform/payments/index.ts';
import type { CalendarsService } from './calendars/index.ts';
import type { NotificationsService } from './notifications/index.ts';
import {
  createAvailability,
  createCardWebhooks,
  createCatalogService,
  createCheckoutService,
  createOrderEditing,
  createOrdersService,
  createPaymentsService,
  createReminders,
  createRentalsReports,
} from './rentals/index.ts';
import type { wireCustomers } from './services.customers.ts';
import type { Platform } from './services.platform.ts';
import type { ServiceSettings } from './services.ts';

/** Rentals: the catalog and its availability, orders and their edits, payments, reminders and checkout. */
export function wireRentals(
  { db, audit, now }: Platform,
  calendars: CalendarsService,
  { customers }: ReturnType<typeof wireCustomers>,
  notifications: NotificationsService,
  settings: ServiceSettings,
) {
  const catalog = createCatalogService({
    db,
    audit,
    calendarExists: (id) =>
      calendars.getCalendar(id).then(
        () => true,
        (error: unknown) => {
          if (error instanceof AppError && error.kind === 'not_found') return false;
          throw error;
        },
      ),
  });
  const calendarFor = (id: number) => calendars.engineFor(id);
  const availability = createAvailability({ db, calendarFor });
  const ordersAt = (clock: () => Date) =>
    createOrdersService({
      db,
      audit,
      customerExists: (id, executor) => customers.exists(id, executor),
      calendarFor,
      now: clock,
    });
  const orders = ordersAt(now);
  const rentalReminders = createReminders({
    db,
    notifications,
    calendarFor,
    quietHours: settings.rentalReminderQuietHours,
    now,
  });
  const payments = createPaymentsService({
    db,
    audit,
    manual: manualProvider,
    card: settings.cardProcessorUrl
      ? createCardProvider({
          baseUrl: settings.cardProcessorUrl,
          apiKey: settings.cardProcessorApiKey ?? '',
          timeoutMs: settings.cardProcessorTimeoutMs,
        })
      : undefined,
    now,
  });
  const cardWebhooks = createCardWebhooks({
    db,
    settlement: payments.settlement,
    settings: { secret: settings.cardWebhookSecret, toleranceSeconds: settings.cardWebhookToleranceSeconds },
    now,
  });
  const editDraft = createOrderEditing({
    db,
    audit,
    orders,
    customerExists: (id, executor) => customers.exists(id, executor),
  });
  const checkout = createCheckoutService({
    db,
    audit,
    storage: createFileStorage(settings),
    maxPhotoBytes: settings.attachmentMaxBytes,
    orderIn: (executor, id) => orders.orderIn(executor, id),
    now,
  });
  return {
    catalog,
    availability,
    orders,
    ordersAt,
    rentalReminders,
    rentalsReports: createRentalsReports({ db, now }),
    calendarFor,
    payments,
    cardWebhooks,
    checkout,
    editDraft,
  };
}
