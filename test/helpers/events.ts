import { Type } from '@sinclair/typebox';
import { defineEvent } from '../../src/platform/events/index.ts';

/** An event type of no module's, for tests of the outbox and its consumers. */
export const thingMoved = defineEvent({
  type: 'thing.moved',
  subject: 'thing',
  description: 'test',
  payload: Type.Object({ to: Type.String() }),
  audience: 'all',
  visibility: 'test',
});
