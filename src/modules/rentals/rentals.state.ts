import type { OrderStatus } from './rentals.tables.ts';

/** The transitions an order may make, by verb: the one table the server enforces. */
export const ORDER_TRANSITIONS = {
  reserve: { from: ['draft'], to: 'reserved' },
  pick_up: { from: ['reserved'], to: 'picked_up' },
  return: { from: ['picked_up'], to: 'returned' },
  close: { from: ['returned'], to: 'closed' },
  cancel: { from: ['draft', 'reserved'], to: 'cancelled' },
} as const satisfies Record<string, { from: readonly OrderStatus[]; to: OrderStatus }>;

export type OrderTransition = keyof typeof ORDER_TRANSITIONS;
export const TRANSITION_NAMES = Object.keys(ORDER_TRANSITIONS) as OrderTransition[];

/** The transitions open to an order in `status`, in lifecycle order. */
export const allowedTransitions = (status: OrderStatus): OrderTransition[] =>
  TRANSITION_NAMES.filter((name) =>
    (ORDER_TRANSITIONS[name].from as readonly OrderStatus[]).includes(status),
  );
