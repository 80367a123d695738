import type { RequestContext } from '../../platform/auth/actor.ts';
import type { CustomersService } from './customers.service.ts';
import type { CustomerInput } from './customers.validation.ts';

/** Demo organisations, each with its contacts, and a few private customers (made-up data, 555 numbers). */
const ORGANISATIONS: { organisation: CustomerInput; contacts: CustomerInput[] }[] = [
  {
    organisation: {
      kind: 'organisation',
      company: 'Northwind Broadcasting',
      email: 'accounts@northwind.example',
      phone: '+44 20 7946 0100',
      addresses: [
        {
          kind: 'billing',
          lines: ['12 Media Quay'],
          city: 'Salford',
          region: 'Greater Manchester',
          postcode: 'M50 2EQ',
          country: 'GB',
        },
      ],
      status: 'active',
      tags: ['broadcaster', 'key-account'],
      notes: 'Rents the outside-broadcast truck for football weekends.',
    },
    contacts: [
      {
        firstName: 'Priya',
        lastName: 'Raman',
        email: 'priya.raman@northwind.example',
        phone: '+44 20 7946 0101',
      },
      { firstName: 'Oliver', lastName: 'Brennan', email: 'oliver.brennan@northwind.example' },
    ],
  },
  {
    organisation: {
      kind: 'organisation',
      company: 'Lumen Events GmbH',
      email: 'hallo@lumen-events.example',
      phone: '+49 30 5550 2200',
      addresses: [
        {
          kind: 'main',
          lines: ['Friedrichstraße 88'],
          city: 'Berlin',
          region: '',
          postcode: '10117',
          country: 'DE',
        },
      ],
      status: 'lead',
      tags: ['events'],
    },
    contacts: [{ firstName: 'Jonas', lastName: 'Becker', email: 'jonas.becker@lumen-events.example' }],
  },
];

const PEOPLE: CustomerInput[] = [
  {
    firstName: 'Amelia',
    lastName: 'Hughes',
    email: 'amelia.hughes@mail.example',
    phone: '+44 7700 900123',
    dateOfBirth: '1988-04-17',
    status: 'active',
    tags: ['rental'],
    marketingConsent: true,
    marketingConsentSource: 'sign-up form',
  },
  {
    firstName: 'Mateo',
    lastName: 'Fernández',
    email: 'mateo.fernandez@mail.example',
    phone: '+34 600 555 321',
    status: 'inactive',
    notes: 'Asked to be contacted by e-mail only.',
  },
];

/** Seeds the demo customers, owned by `ownerId` (a demo agent). */
export async function seedCustomers(
  customers: Pick<CustomersService, 'create' | 'createContact'>,
  ctx: RequestContext,
  ownerId: number | null,
): Promise<void> {
  for (const { organisation, contacts } of ORGANISATIONS) {
    const created = await customers.create(ctx, { ...organisation, ownerId });
    for (const contact of contacts)
      await customers.createContact(ctx, created.id, { ...contact, status: 'active', ownerId });
  }
  for (const person of PEOPLE) await customers.create(ctx, { ...person, ownerId });
}
