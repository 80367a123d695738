import { systemContext, type Role } from '../platform/auth/actor.ts';
import type { Database } from '../platform/db/client.ts';
import { createServices } from './index.ts';

/** Every demo account shares this password; SEED_DEMO is refused in production. */
export const DEMO_PASSWORD = 'opsdesk-demo';

export const DEMO_LOGINS = [
  { username: 'admin', password: DEMO_PASSWORD, role: 'admin' },
  { username: 'manager', password: DEMO_PASSWORD, role: 'manager' },
  { username: 'agent', password: DEMO_PASSWORD, role: 'agent' },
  { username: 'viewer', password: DEMO_PASSWORD, role: 'viewer' },
] as const;

const PEOPLE: {
  username: string;
  first: string;
  last: string;
  role: Role;
  department: string;
  position: string;
}[] = [
  {
    username: 'admin',
    first: 'Ada',
    last: 'Admin',
    role: 'admin',
    department: 'Operations',
    position: 'Head of Operations',
  },
  {
    username: 'manager',
    first: 'Maya',
    last: 'Okafor',
    role: 'manager',
    department: 'Operations',
    position: 'Operations Manager',
  },
  {
    username: 'agent',
    first: 'Arjun',
    last: 'Mehta',
    role: 'agent',
    department: 'Operations',
    position: 'Operations Engineer',
  },
  {
    username: 'viewer',
    first: 'Vera',
    last: 'Lindqvist',
    role: 'viewer',
    department: 'Broadcast',
    position: 'Producer',
  },
  {
    username: 'eng.manager',
    first: 'Tomás',
    last: 'García',
    role: 'manager',
    department: 'Engineering',
    position: 'Engineering Manager',
  },
  {
    username: 'li.wei',
    first: 'Li',
    last: 'Wei',
    role: 'agent',
    department: 'Engineering',
    position: 'Broadcast Engineer',
  },
  {
    username: 'sofia.rossi',
    first: 'Sofia',
    last: 'Rossi',
    role: 'agent',
    department: 'Engineering',
    position: 'RF Engineer',
  },
  {
    username: 'kwame.mensah',
    first: 'Kwame',
    last: 'Mensah',
    role: 'agent',
    department: 'Operations',
    position: 'Master Control Operator',
  },
  {
    username: 'hannah.berg',
    first: 'Hannah',
    last: 'Berg',
    role: 'agent',
    department: 'Facilities',
    position: 'Facilities Technician',
  },
  {
    username: 'facilities.lead',
    first: 'Omar',
    last: 'Haddad',
    role: 'manager',
    department: 'Facilities',
    position: 'Facilities Lead',
  },
  {
    username: 'priya.nair',
    first: 'Priya',
    last: 'Nair',
    role: 'viewer',
    department: 'Broadcast',
    position: 'Editor',
  },
  {
    username: 'jonas.keller',
    first: 'Jonas',
    last: 'Keller',
    role: 'agent',
    department: 'Broadcast',
    position: 'Camera Operator',
  },
];

const LOCATIONS = [
  {
    name: 'Berlin Broadcast Centre',
    address: 'Alexanderplatz 1, 10178 Berlin',
    timeZone: 'Europe/Berlin',
    description: 'Headquarters, studios A-C and master control',
  },
  {
    name: 'London Playout Hub',
    address: '1 Wood Lane, London W12 7RJ',
    timeZone: 'Europe/London',
    description: 'Playout and disaster recovery',
  },
  {
    name: 'New York Bureau',
    address: '250 W 57th St, New York, NY 10107',
    timeZone: 'America/New_York',
    description: 'News bureau',
  },
];

const FACILITIES: { name: string; location: number; description: string; status?: 'inactive' }[] = [
  { name: 'Studio A', location: 0, description: 'Main news studio' },
  { name: 'Studio B', location: 0, description: 'Talk show studio' },
  { name: 'Master Control Room', location: 0, description: '24/7 transmission control' },
  { name: 'Transmitter Site Müggelberge', location: 0, description: 'UHF transmitter' },
  { name: 'Playout Suite 1', location: 1, description: 'Primary playout' },
  { name: 'Playout Suite 2', location: 1, description: 'Backup playout' },
  { name: 'Edit Bay 3', location: 2, description: 'Avid edit suite' },
  { name: 'Studio C', location: 0, description: 'Closed for refurbishment', status: 'inactive' },
];

const SHIFTS = [
  { name: 'Early', startTime: '06:00:00', endTime: '14:00:00', description: 'Morning shift' },
  { name: 'Late', startTime: '14:00:00', endTime: '22:00:00', description: 'Afternoon and evening shift' },
  {
    name: 'Night',
    startTime: '22:00:00',
    endTime: '06:00:00',
    description: 'Overnight shift, ends the next morning',
  },
];

/**
 * Creates the demo organisation through the services (so it is audited and valid like
 * any other data). Returns false, changing nothing, when the database has users.
 */
export async function seedDemo(db: Database): Promise<boolean> {
  const { identity, sites } = createServices(db, { sessionTtlHours: 1 });
  if ((await identity.countUsers()) > 0) return false;
  const ctx = systemContext('seed');
  for (const person of PEOPLE) {
    const department = await identity.ensureDepartment(ctx, person.department);
    await identity.createPerson(ctx, {
      username: person.username,
      email: `${person.username}@opsdesk.example`,
      password: DEMO_PASSWORD,
      firstName: person.first,
      lastName: person.last,
      role: person.role,
      departmentId: department.id,
      position: person.position,
      isStaff: person.role === 'admin',
    });
  }
  const locations = [];
  for (const location of LOCATIONS) locations.push(await sites.createLocation(ctx, location));
  for (const facility of FACILITIES) {
    await sites.createFacility(ctx, {
      name: facility.name,
      description: facility.description,
      locationId: locations[facility.location]?.id ?? null,
      status: facility.status ?? 'active',
    });
  }
  for (const shift of SHIFTS) await sites.createShift(ctx, shift);
  return true;
}
