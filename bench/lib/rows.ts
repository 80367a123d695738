import type pg from 'pg';

/** Inserts `rows` in statements of 500 rows. */
export async function insertRows(
  client: pg.ClientBase,
  table: string,
  columns: string[],
  rows: unknown[][],
): Promise<void> {
  for (let start = 0; start < rows.length; start += 500) {
    const chunk = rows.slice(start, start + 500);
    const values: unknown[] = [];
    const tuples = chunk.map((row) => `(${row.map((value) => `$${values.push(value)}`).join(', ')})`);
    await client.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, values);
  }
}

/** A bench user and its profile (the profile shares the user's id), as the generator or the peer copy has it. */
export interface BenchUser {
  id: number;
  username: string;
  email: string;
  passwordHash: string;
  firstName: string;
  lastName: string;
  role: 'admin' | 'manager' | 'agent' | 'viewer';
  departmentId: number | null | undefined;
  isActive: boolean;
  isStaff: boolean;
  isSuperuser: boolean;
  dateJoined: unknown;
  phone: unknown;
  position: unknown;
  startDate: unknown;
}

/** Inserts the users, then one profile each: the generated data set and the peer copy load them alike. */
export async function insertUsers(client: pg.ClientBase, users: BenchUser[]): Promise<void> {
  await insertRows(
    client,
    'users',
    [
      'id',
      'username',
      'email',
      'password_hash',
      'first_name',
      'last_name',
      'role',
      'department_id',
      'is_active',
      'is_staff',
      'is_superuser',
      'date_joined',
    ],
    users.map((user) => [
      user.id,
      user.username,
      user.email,
      user.passwordHash,
      user.firstName,
      user.lastName,
      user.role,
      user.departmentId,
      user.isActive,
      user.isStaff,
      user.isSuperuser,
      user.dateJoined,
    ]),
  );
  await insertRows(
    client,
    'profiles',
    ['id', 'user_id', 'phone', 'position', 'start_date'],
    users.map((user) => [user.id, user.id, user.phone, user.position, user.startDate]),
  );
}
