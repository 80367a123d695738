import { defineErrors } from '../../platform/http/errors.ts';

export const calendarsErrors = defineErrors({
  CALENDARS_CALENDAR_NOT_FOUND: ['not_found', 'Not found.'],
  CALENDARS_CLOSURE_NOT_FOUND: ['not_found', 'Not found.'],
  CALENDARS_CALENDAR_IN_USE: [
    'conflict',
    'This calendar is still referenced elsewhere (an SLA policy, say) and cannot be deleted.',
  ],
  CALENDARS_NEVER_OPENS: [
    'unprocessable',
    'This calendar has no open time within three years, so business time cannot be added.',
  ],
  CALENDARS_ICALENDAR_INVALID: ['invalid', 'This is not an iCalendar file.'],
  CALENDARS_ICALENDAR_MEDIA_TYPE: [
    'invalid',
    'Send the iCalendar file itself as the request body, with Content-Type: text/calendar.',
  ],
});
