import type { Priority, TicketKind, TicketStatus } from './tickets.tables.ts';

/** The demo service desk's reference data and tickets (the seed creates them through the services). */
export const DEMO_INCIDENT_TYPES = [
  { name: 'Signal loss', description: 'Loss of video or audio on a feed', severityLevel: 1 },
  { name: 'Equipment failure', description: 'A device stopped working', severityLevel: 2 },
  { name: 'Network outage', description: 'Connectivity lost between sites', severityLevel: 1 },
  { name: 'Software fault', description: 'An application misbehaves', severityLevel: 3 },
  { name: 'Facilities', description: 'Power, HVAC, access', severityLevel: 3 },
];

export const DEMO_CATEGORIES = [
  { name: 'Transmission', subcategories: ['Playout', 'Uplink', 'Terrestrial'] },
  { name: 'IT', subcategories: ['Network', 'Accounts', 'Workstations'] },
  { name: 'Studio', subcategories: ['Cameras', 'Audio', 'Lighting'] },
];

export const DEMO_TICKETS: {
  kind: TicketKind;
  title: string;
  description: string;
  priority: Priority;
  reporter: string;
  assignee?: string;
  path?: TicketStatus[];
}[] = [
  {
    kind: 'incident',
    title: 'Black frames on channel 2 playout',
    description: 'Playout Suite 1 shows black for 3 s at every ad break.',
    priority: 'critical',
    reporter: 'kwame.mensah',
    assignee: 'agent',
    path: ['in_progress'],
  },
  {
    kind: 'incident',
    title: 'Studio A intercom crackles',
    description: 'Talkback on ring 2 has static since the morning.',
    priority: 'medium',
    reporter: 'jonas.keller',
    assignee: 'li.wei',
  },
  {
    kind: 'incident',
    title: 'Network switch down in Master Control',
    description: 'Core switch MCR-SW2 unreachable; failover active.',
    priority: 'high',
    reporter: 'agent',
    assignee: 'agent',
    path: ['in_progress', 'resolved'],
  },
  {
    kind: 'incident',
    title: 'Air conditioning failure in edit bay',
    description: 'Edit Bay 3 is at 31 °C.',
    priority: 'high',
    reporter: 'priya.nair',
    assignee: 'hannah.berg',
  },
  {
    kind: 'incident',
    title: 'Transmitter power drop at Müggelberge',
    description: 'Output down 2 dB since 04:10.',
    priority: 'critical',
    reporter: 'sofia.rossi',
    path: ['in_progress', 'resolved', 'closed'],
  },
  {
    kind: 'incident',
    title: 'Camera 3 tally light stuck',
    description: 'Tally stays red when camera is off air.',
    priority: 'low',
    reporter: 'jonas.keller',
  },
  {
    kind: 'service',
    title: 'New laptop for incoming producer',
    description: 'Start date next Monday.',
    priority: 'medium',
    reporter: 'viewer',
    assignee: 'agent',
  },
  {
    kind: 'service',
    title: 'Access badge for London Playout Hub',
    description: 'For Vera Lindqvist, weekdays.',
    priority: 'low',
    reporter: 'viewer',
    path: ['in_progress', 'completed'],
  },
  {
    kind: 'service',
    title: 'Book Studio B lighting rig',
    description: 'Talk show rehearsal Thursday.',
    priority: 'medium',
    reporter: 'priya.nair',
    assignee: 'hannah.berg',
  },
  {
    kind: 'service',
    title: 'VPN account for remote editor',
    description: 'Freelancer, 3 months.',
    priority: 'low',
    reporter: 'manager',
    path: ['cancelled'],
  },
];
