import { describe, expect, it } from 'vitest';
import { allowedTransitions } from './rentals.state.ts';

describe('order lifecycle', () => {
  it('goes draft -> reserved -> picked_up -> returned -> closed, cancel from draft or reserved', () => {
    expect(allowedTransitions('draft')).toEqual(['reserve', 'cancel']);
    expect(allowedTransitions('reserved')).toEqual(['pick_up', 'cancel']);
    expect(allowedTransitions('picked_up')).toEqual(['return']);
    expect(allowedTransitions('returned')).toEqual(['close']);
    expect(allowedTransitions('closed')).toEqual([]);
    expect(allowedTransitions('cancelled')).toEqual([]);
  });
});
