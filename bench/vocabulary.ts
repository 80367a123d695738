/**
 * Word lists for the benchmark data: tickets of a broadcast operations team.
 * The search scenarios rely on two words: "network" appears only in the titles and
 * descriptions of network tickets (~20% of them), "zeppelin" only in a rare few
 * (~0.01%). No other word in these lists starts with either, so the prefix search
 * finds exactly those tickets.
 */

export const COMMON_WORD = 'network';
export const RARE_WORD = 'zeppelin';
export const TYPO_WORD = 'netwrok';

export const DEPARTMENTS = ['Operations', 'Engineering', 'Broadcast', 'Facilities'];

export const LOCATIONS = [
  { name: 'Broadcast Centre', address: '1 Media Way, London', timeZone: 'Europe/London' },
  { name: 'Northern Hub', address: '40 Quay Street, Manchester', timeZone: 'Europe/London' },
  { name: 'Transmitter Park', address: 'Crystal Hill Road, Sutton', timeZone: 'Europe/London' },
  { name: 'Data Centre West', address: 'Unit 7, Western Avenue, Cardiff', timeZone: 'Europe/London' },
  { name: 'Dublin Bureau', address: '12 Grand Canal Dock, Dublin', timeZone: 'Europe/Dublin' },
];

/** Eight per location: 40 facilities. */
export const FACILITY_KINDS = [
  'Studio A',
  'Studio B',
  'Control Room',
  'Master Control',
  'Edit Suite',
  'Equipment Room',
  'Voice Booth',
  'Newsroom',
];

export const INCIDENT_TYPES = [
  { name: 'Hardware failure', severity: 3 },
  { name: 'Software fault', severity: 2 },
  { name: 'Signal loss', severity: 4 },
  { name: 'Power outage', severity: 4 },
  { name: 'Connectivity', severity: 3 },
  { name: 'Audio fault', severity: 3 },
  { name: 'Video fault', severity: 3 },
  { name: 'Security', severity: 4 },
  { name: 'Environmental', severity: 2 },
  { name: 'Configuration', severity: 1 },
  { name: 'Performance', severity: 2 },
  { name: 'Other', severity: 1 },
];

export const CATEGORIES: { name: string; children: string[] }[] = [
  { name: 'Audio', children: ['Consoles', 'Microphones', 'Intercom'] },
  { name: 'Video', children: ['Cameras', 'Vision mixing', 'Monitoring'] },
  { name: 'Transmission', children: ['Transmitters', 'Satellite', 'Fibre'] },
  { name: 'IT', children: ['Servers', 'Storage', 'Workstations'] },
  { name: 'Building', children: ['Power', 'Cooling', 'Access control'] },
  { name: 'Playout', children: ['Automation', 'Graphics', 'Subtitles'] },
];

export const SERVICE_TYPES = ['Access', 'Equipment', 'Installation', 'Software', 'Facilities', 'Training'];

export const FIRST_NAMES = [
  'Ada',
  'Maya',
  'Arjun',
  'Vera',
  'Tomás',
  'Li',
  'Sofia',
  'Kwame',
  'Hannah',
  'Oliver',
  'Amara',
  'Lucas',
  'Priya',
  'Noah',
  'Elena',
  'Yusuf',
  'Grace',
  'Mateo',
  'Aisha',
  'Finn',
  'Ingrid',
  'Ravi',
  'Chloe',
  'Kenji',
  'Zara',
  'Samuel',
  'Leila',
  'Jonas',
  'Nadia',
  'Owen',
];

export const LAST_NAMES = [
  'Okafor',
  'Mehta',
  'Lindqvist',
  'García',
  'Wei',
  'Rossi',
  'Mensah',
  'Schmidt',
  'Novak',
  'Haddad',
  'Kowalski',
  'Murphy',
  'Tanaka',
  'Silva',
  'Nguyen',
  'Byrne',
  'Fischer',
  'Ali',
  'Dubois',
  'Evans',
  'Petrov',
  'Costa',
  'Jensen',
  'Osei',
  'Moreau',
];

export const POSITIONS = [
  'Broadcast Engineer',
  'Operations Engineer',
  'Studio Manager',
  'Producer',
  'RF Engineer',
  'Systems Administrator',
  'Facilities Coordinator',
  'Technical Director',
  'Playout Operator',
  'Sound Supervisor',
];

/** Things that break. */
export const COMPONENTS = [
  'encoder',
  'decoder',
  'audio console',
  'vision mixer',
  'video router',
  'transmitter',
  'camera',
  'teleprompter',
  'lighting rig',
  'playout server',
  'intercom panel',
  'monitor wall',
  'satellite receiver',
  'UPS',
  'air conditioning unit',
  'fire alarm panel',
  'door access reader',
  'radio microphone',
  'talkback system',
  'graphics engine',
  'archive storage',
  'frame synchroniser',
  'multiviewer',
  'subtitle inserter',
  'loudness meter',
  'power distribution unit',
  'standby generator',
  'fibre converter',
  'video wall',
  'edit workstation',
  'tally system',
  'clock display',
];

export const NETWORK_COMPONENTS = [
  'network switch',
  'network link',
  'core network',
  'network storage',
  'network firewall',
  'network uplink',
  'studio network',
  'media network',
  'network patch panel',
  'wireless network',
];

export const PROBLEMS = [
  'not responding',
  'failed',
  'intermittent dropouts',
  'overheating',
  'showing errors',
  'lost signal',
  'needs replacement',
  'firmware update required',
  'making a loud noise',
  'keeps rebooting',
  'out of sync',
  'degraded performance',
  'no power',
  'alarm triggered',
  'cable damaged',
  'licence expired',
  'fan failure',
  'wrong configuration',
  'high latency',
  'flickering',
];

export const SERVICE_ACTIONS = [
  'Install',
  'Replace',
  'Move',
  'Set up',
  'Upgrade',
  'Provide access to',
  'Order spare',
  'Calibrate',
  'Inspect',
  'Relabel',
];

export const OPENINGS = [
  'Reported by the duty engineer during the morning shift.',
  'Noticed by the gallery team ahead of the live programme.',
  'Raised after the overnight maintenance window.',
  'Seen twice this week, each time during peak hours.',
  'The presenter flagged it during rehearsal.',
  'Picked up by the monitoring dashboard at shift handover.',
  'Requested by the studio manager for next week.',
  'Came in through the service desk phone line.',
];

export const DETAILS = [
  'The unit was power cycled but the fault came back within an hour.',
  'Spare parts are available in the equipment store.',
  'Logs show repeated warnings since the last firmware change.',
  'A temporary workaround is in place using the backup path.',
  'The vendor has been contacted and asked for a replacement.',
  'Cabling was checked and looks fine at both ends.',
  'It only happens when the room is fully booked.',
  'No impact on air so far, but the risk is growing.',
  'The previous ticket for this unit was closed without a root cause.',
  'Needs a maintenance slot outside programme hours.',
  'Please coordinate with the facilities team before starting.',
  'Access to the rack requires an escort after 18:00.',
];

export const CLOSINGS = [
  'Please update the ticket when fixed.',
  'Priority may change if it affects transmission.',
  'Photos are attached to the shift log.',
  'Contact the duty manager for access.',
  '',
  '',
];

export const NETWORK_DETAILS = [
  'The network team sees packet loss on the affected ports.',
  'Traffic was moved to the secondary network path for now.',
  'The network monitoring shows the link flapping every few minutes.',
];

export const COMMENTS = [
  'Looking into it now.',
  'On site, checking the rack.',
  'Replaced the faulty cable; monitoring for recurrence.',
  'Waiting for the vendor to ship the part.',
  'Could not reproduce during the afternoon test.',
  'Escalated to the second line team.',
  'Workaround applied, the root cause is still open.',
  'Confirmed fixed by the requester.',
  'Scheduled for the maintenance window on Tuesday night.',
  'Spoke with the studio manager, no impact on today\u2019s programmes.',
  'Firmware updated to the latest release.',
  'Added the unit to the watch list.',
  'Parts arrived, installing tomorrow morning.',
  'Closing as duplicate of an earlier ticket.',
  'Please attach the error log from the console.',
  'Checked again after the reboot, all green.',
];
