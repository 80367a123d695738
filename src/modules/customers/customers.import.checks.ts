import { getTableColumns, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import type { IdentityService } from '../identity/index.ts';
import { normaliseEmail, normalisePhone } from './customers.blind-index.ts';
import type { RowError } from './customers.import.parse.ts';
import { customerOf, type CustomerVault } from './customers.pii.ts';
import { customers, type NewCustomerRow } from './customers.tables.ts';
import type { CustomerInput } from './customers.validation.ts';

/**
 * What an import checks of each valid row before it is written: that the owner and
 * organisation it names exist, and that its e-mail and phone are not already a
 * customer's (nor an earlier row's of the file).
 */

const { search: _search, ...rowColumns } = getTableColumns(customers);

export type Checked = { row: number; input: CustomerInput };
/** A row with its e-mail and phone normalised once (libphonenumber is an import's dearest step) and indexed. */
export type Keyed = Checked & {
  email: string | null;
  phone: string | null;
  indexes: Pick<NewCustomerRow, 'emailIndex' | 'phoneIndex'>;
};

export function createImportChecks({
  identity,
  vault,
  phoneRegion,
}: {
  identity: Pick<IdentityService, 'peopleByUserIds'>;
  vault: CustomerVault;
  phoneRegion?: string | undefined;
}) {
  const emailKey = (value: string | null | undefined) => (value ? normaliseEmail(value) : null);
  const phoneKey = (value: string | null | undefined) => (value ? normalisePhone(value, phoneRegion) : null);

  /** Duplicate detection over one import: the e-mails and phones seen in the file, and the existing customers' buckets. */
  function duplicateFinder(baselineId: number) {
    const fileEmails = new Map<string, number>();
    const filePhones = new Map<string, number>();
    return async (tx: Executor, checked: Checked[]): Promise<{ ok: Keyed[]; errors: RowError[][] }> => {
      const rows = checked.map(keyed);
      const emailBuckets = new Set<number>();
      const phoneBuckets = new Set<number>();
      for (const { indexes } of rows) {
        if (indexes.emailIndex != null) emailBuckets.add(indexes.emailIndex);
        if (indexes.phoneIndex != null) phoneBuckets.add(indexes.phoneIndex);
      }
      const existingEmails = new Map<string, number>();
      const existingPhones = new Map<string, number>();
      if (emailBuckets.size + phoneBuckets.size > 0) {
        const candidates = await tx
          .select(rowColumns)
          .from(customers)
          .where(
            sql`${customers.id} <= ${baselineId} and (${customers.emailIndex} = any(${sql.param([...emailBuckets])}::int[]) or ${customers.phoneIndex} = any(${sql.param([...phoneBuckets])}::int[]))`,
          );
        for (const candidate of candidates) {
          const opened = customerOf(vault, candidate);
          const email = emailKey(opened.email);
          const phone = phoneKey(opened.phone);
          if (email && !existingEmails.has(email)) existingEmails.set(email, opened.id);
          if (phone && !existingPhones.has(phone)) existingPhones.set(phone, opened.id);
        }
      }
      const ok: Keyed[] = [];
      const errors: RowError[][] = [];
      for (const row of rows) {
        const found: RowError[] = [];
        const check = (
          field: 'email' | 'phone',
          key: string | null,
          existing: Map<string, number>,
          file: Map<string, number>,
        ) => {
          if (!key) return;
          const label = field === 'email' ? 'e-mail' : 'phone number';
          const customerId = existing.get(key);
          const earlier = file.get(key);
          if (customerId !== undefined)
            found.push({
              row: row.row,
              field,
              message: `Duplicate: customer ${customerId} has this ${label}.`,
            });
          else if (earlier !== undefined)
            found.push({ row: row.row, field, message: `Duplicate: row ${earlier} has the same ${label}.` });
        };
        check('email', row.email, existingEmails, fileEmails);
        check('phone', row.phone, existingPhones, filePhones);
        if (found.length > 0) {
          errors.push(found);
          continue;
        }
        if (row.email) fileEmails.set(row.email, row.row);
        if (row.phone) filePhones.set(row.phone, row.row);
        ok.push(row);
      }
      return { ok, errors };
    };
  }

  /** Owners and organisations the rows name must exist (one query each per batch). */
  async function relationErrors(tx: Executor, rows: Checked[]): Promise<Map<number, RowError[]>> {
    const errors = new Map<number, RowError[]>();
    const add = (row: number, field: string, message: string) =>
      errors.set(row, [...(errors.get(row) ?? []), { row, field, message }]);
    const ownerIds = [
      ...new Set(rows.flatMap(({ input }) => (typeof input.ownerId === 'number' ? [input.ownerId] : []))),
    ];
    const organisationIds = [
      ...new Set(
        rows.flatMap(({ input }) => (typeof input.organisationId === 'number' ? [input.organisationId] : [])),
      ),
    ];
    const owners = new Set(
      ownerIds.length > 0
        ? (await identity.peopleByUserIds(ownerIds, tx)).map((person) => person.user.id)
        : [],
    );
    const organisations = new Set(
      organisationIds.length > 0
        ? (
            await tx
              .select({ id: customers.id })
              .from(customers)
              .where(
                sql`${customers.id} = any(${sql.param(organisationIds)}::int[]) and ${customers.kind} = 'organisation'`,
              )
          ).map((row) => row.id)
        : [],
    );
    for (const { row, input } of rows) {
      if (typeof input.ownerId === 'number' && !owners.has(input.ownerId))
        add(row, 'owner_id', `Invalid pk "${input.ownerId}" - object does not exist.`);
      if (typeof input.organisationId === 'number' && !organisations.has(input.organisationId))
        add(row, 'organisation_id', `Invalid pk "${input.organisationId}" - not an organisation.`);
    }
    return errors;
  }

  function keyed(row: Checked): Keyed {
    const email = emailKey(row.input.email);
    const phone = phoneKey(row.input.phone);
    return {
      ...row,
      email,
      phone,
      indexes: {
        emailIndex: email === null ? null : vault.blind.ofNormalised('email', email),
        phoneIndex: phone === null ? null : vault.blind.ofNormalised('phone', phone),
      },
    };
  }

  return { duplicateFinder, relationErrors };
}
