import { systemContext, type Role } from '../platform/auth/actor.ts';
import { seedCustomers } from './customers/index.ts';
import { seedRentals } from './rentals/index.ts';
import { seedServiceDesk } from './workflows/index.ts';
import type { Services } from './index.ts';
import { DEMO_CATEGORIES, DEMO_INCIDENT_TYPES, DEMO_TICKETS } from './tickets/index.ts';

/** Every demo account shares this password; SEED_DEMO is refused in production. */
export const DEMO_PASSWORD = 'opsdesk-demo-lantern';

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
export async function seedDemo({
  identity,
  sites,
  tickets,
  ticketReference,
  calendars,
  timeoff,
  events,
  workflowAdmin,
  slaPolicies,
  customers,
  catalog,
  orders,
  ordersAt,
}: Services): Promise<boolean> {
  if ((await identity.countUsers()) > 0) return false;
  const ctx = systemContext('seed');
  const people = new Map<string, { id: number; departmentId: number | null }>();
  for (const person of PEOPLE) {
    const department = await identity.ensureDepartment(ctx, person.department);
    const created = await identity.createPerson(ctx, {
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
    people.set(person.username, { id: created.user.id, departmentId: created.user.departmentId });
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

  const types = [];
  for (const type of DEMO_INCIDENT_TYPES) types.push(await ticketReference.createIncidentType(ctx, type));
  for (const category of DEMO_CATEGORIES) {
    const parent = await ticketReference.createCategory(ctx, { name: category.name });
    for (const sub of category.subcategories)
      await ticketReference.createCategory(ctx, { name: sub, parentId: parent.id });
  }
  const officeHours = { start: '09:00', end: '17:00' };
  const calendar = await calendars.createCalendar(ctx, {
    name: 'Berlin office',
    description: 'Mon-Fri 09:00-17:00, German public holidays',
    timeZone: 'Europe/Berlin',
    weekly: { 1: [officeHours], 2: [officeHours], 3: [officeHours], 4: [officeHours], 5: [officeHours] },
  });
  for (const [date, name] of [
    ['2026-12-24', 'Christmas Eve'],
    ['2026-12-25', 'Christmas Day'],
    ['2026-12-26', 'Boxing Day'],
    ['2027-01-01', "New Year's Day"],
  ]) {
    await calendars.addClosure(ctx, calendar.id, { kind: 'holiday', date, name });
  }
  await seedServiceDesk({ workflowAdmin, slaPolicies }, ctx, calendar.id, people);
  for (const [index, ticket] of DEMO_TICKETS.entries()) {
    const reporter = people.get(ticket.reporter);
    const assignee = ticket.assignee ? people.get(ticket.assignee) : undefined;
    const created = await tickets.create(ctx, ticket.kind, {
      title: ticket.title,
      description: ticket.description,
      priority: ticket.priority,
      incidentTypeId: ticket.kind === 'incident' ? (types[index % types.length]?.id ?? null) : undefined,
      facilityId: (index % FACILITIES.length) + 1,
      reporterId: reporter?.id ?? null,
      assigneeId: assignee?.id ?? null,
      departmentId: (assignee ?? reporter)?.departmentId ?? null,
    });
    for (const status of ticket.path ?? []) {
      await tickets.update(ctx, created.id, { status });
    }
  }

  await seedCustomers(customers, ctx, people.get('agent')?.id ?? null);
  const renter = await customers.create(ctx, {
    firstName: 'Jonas',
    lastName: 'Becker',
    email: 'jonas.becker@mail.example',
    notes: 'Rents camera gear for weekend shoots.',
  });
  const agent = people.get('agent')?.id ?? 0;
  const desk = { ...ctx, actor: { ...ctx.actor, userId: agent, username: 'agent', role: 'agent' as const } };
  await seedRentals({ catalog, orders, ordersAt }, ctx, desk, calendar.id, [renter.id]);

  // Sick leave is not capped by a balance; the others are, so everyone gets this year's days.
  const year = new Date().getUTCFullYear();
  for (const [requestType, annualDays, carryForwardMaxDays, allowNegativeBalance] of [
    ['Vacation', 25, 5, false],
    ['Sick', 10, 0, true],
    ['Personal', 3, 0, false],
  ] as const) {
    await timeoff.createPolicy(ctx, {
      requestType,
      annualDays,
      carryForwardMaxDays,
      calendarId: calendar.id,
      allowNegativeBalance,
    });
    if (allowNegativeBalance) continue;
    for (const person of people.values())
      await timeoff.addLedgerEntry(ctx, { userId: person.id, requestType, year, kind: 'accrual' });
  }
  const monday = new Date(Date.UTC(2026, 10, 23, 8, 0));
  await events.create(ctx, {
    title: 'Morning production meeting',
    eventType: 'meeting',
    startsAt: monday,
    endsAt: new Date(monday.getTime() + 30 * 60_000),
    timeZone: 'Europe/Berlin',
    rrule: 'FREQ=WEEKLY;BYDAY=MO,WE,FR',
    locationId: locations[0]?.id ?? null,
    assigneeIds: [people.get('manager')?.id, people.get('agent')?.id].filter(
      (id): id is number => id !== undefined,
    ),
  });
  return true;
}
