import { describe, expect, it } from 'vitest';
import { mocFromCells } from '../../../src/annotate/watch/moc.js';
import { mocCellsAt } from '../../../src/api/routes/watch-outlines.js';

describe('watchmap outlines', () => {
  const moc = mocFromCells([{ order: 3, ipix: 100n }, { order: 4, ipix: 4n * 101n + 2n }, { order: 4, ipix: 4n * 101n + 3n }]);

  it('lists the cells at the MOC order, and their parents at coarser orders', () => {
    expect(moc.order).toBe(4);
    expect(mocCellsAt(moc, 4, 100)).toEqual([400, 401, 402, 403, 406, 407]);
    expect(mocCellsAt(moc, 3, 100)).toEqual([100, 101]);
    expect(mocCellsAt(moc, 0, 100)).toEqual([1]);
  });

  it('gives up (null) when there are more cells than the limit, so the caller coarsens', () => {
    expect(mocCellsAt(moc, 4, 5)).toBeNull();
    expect(mocCellsAt(moc, 3, 5)).toEqual([100, 101]);
  });
});
