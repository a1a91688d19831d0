import { describe, expect, it } from 'vitest';
import { fullName } from './person-name.js';

describe('fullName', () => {
  it('writes the family name first, as Hungarian does', () => {
    expect(fullName({ firstname: 'Éva', lastname: 'Kovács' })).toBe('Kovács Éva');
    expect(fullName({ firstname: 'Anna Mária', lastname: 'Szabó-Nagy' })).toBe('Szabó-Nagy Anna Mária');
  });

  it('trims each part and shows one part alone', () => {
    expect(fullName({ firstname: '  Éva ', lastname: ' Kovács  ' })).toBe('Kovács Éva');
    expect(fullName({ firstname: 'Éva', lastname: '   ' })).toBe('Éva');
    expect(fullName({ lastname: 'Kovács' })).toBe('Kovács');
  });

  it('is null without a name, and ignores values that are not text', () => {
    expect(fullName({})).toBeNull();
    expect(fullName({ firstname: '', lastname: null })).toBeNull();
    expect(fullName({ firstname: { text: 'Éva' }, lastname: ['Kovács'] })).toBeNull();
    expect(fullName({ firstname: 7, lastname: 'Kovács' })).toBe('Kovács 7');
  });
});
